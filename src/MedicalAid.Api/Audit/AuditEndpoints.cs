using System.Security.Claims;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts.Admin;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

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
        AuditQueries audit,
        CancellationToken cancellationToken)
    {
        if (Paging.Problem(pageNumber, pageSize) is { } problem)
        {
            return TypedResults.ValidationProblem(problem.Errors, problem.Detail, type: problem.Type);
        }

        return TypedResults.Ok(await audit.SearchAsync(new AuditFilter(entityType, entityId, actor, action, from, to), pageNumber, pageSize, user, cancellationToken));
    }
}
