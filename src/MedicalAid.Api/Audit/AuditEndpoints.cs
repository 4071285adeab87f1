using System.Security.Claims;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts.Admin;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Audit;

public static class AuditEndpoints
{
    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/admin/audit", Search)
            .RequireAuthorization(StaffAccess.AuditPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Audit")
            .WithName("SearchAudit")
            .WithSummary("The audit trail of staff changes and sign-ins, newest first (auditor, admin); an account with a unit sees only the entries about its own people.");
        return routes;
    }

    public static async Task<Results<Ok<Page<AuditEntryResponse>>, ValidationProblem>> Search(
        string? entityType,
        string? entityId,
        string? actor,
        string? action,
        DateTimeOffset? from,
        DateTimeOffset? to,
        int? pageNumber,
        int? pageSize,
        ClaimsPrincipal user,
        MedicalAidDbContext db,
        DataScopes scopes,
        CancellationToken cancellationToken)
    {
        if (Paging.Problem(pageNumber, pageSize) is { } problem)
        {
            return TypedResults.ValidationProblem(problem.Errors, problem.Detail, type: problem.Type);
        }

        var query = (await scopes.ForAsync(user, cancellationToken)).AuditEntries(db).AsNoTracking();
        if (!string.IsNullOrWhiteSpace(entityType))
        {
            query = query.Where(entry => entry.EntityType == entityType);
        }

        if (!string.IsNullOrWhiteSpace(entityId))
        {
            query = query.Where(entry => entry.EntityId == entityId);
        }

        if (!string.IsNullOrWhiteSpace(actor))
        {
            query = query.Where(entry => entry.Actor == actor);
        }

        if (!string.IsNullOrWhiteSpace(action))
        {
            query = query.Where(entry => entry.Action == action);
        }

        if (from is { } start)
        {
            query = query.Where(entry => entry.At >= start);
        }

        if (to is { } end)
        {
            query = query.Where(entry => entry.At <= end);
        }

        return TypedResults.Ok(await query.OrderByDescending(entry => entry.Id).ToPageAsync(pageNumber, pageSize, ToResponse, cancellationToken));
    }

    private static AuditEntryResponse ToResponse(AuditEntry entry) => new()
    {
        Id = entry.Id,
        At = entry.At,
        Actor = entry.Actor,
        Action = entry.Action,
        EntityType = entry.EntityType,
        EntityId = entry.EntityId,
        Before = entry.Before,
        After = entry.After,
    };
}
