using System.Security.Claims;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Clearing;

/// <summary>
/// Monthly clearing (清算): staff run a month (admin), read statements (any staff role) and mark them paid (admin);
/// a hospital acknowledges its own statements with its API key.
/// </summary>
public static class ClearingEndpoints
{
    public static IEndpointRouteBuilder MapClearing(this IEndpointRouteBuilder routes)
    {
        var staff = routes.MapGroup("/api/v1/admin")
            .RequireAuthorization(StaffAccess.ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Clearing");
        staff.MapPost("/clearing-runs", RunClearing).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("RunClearing")
            .WithSummary("Clear an ended month (Asia/Shanghai): one statement per active hospital, its settlements minus its reversals of the month per channel, queued for delivery to the hospital's callback URL. A month already cleared issues nothing new; the answer lists every statement of the month.");
        staff.MapGet("/clearing-runs", ListClearing)
            .WithName("ListClearingStatements")
            .WithSummary("The statements of a month (month=yyyy-MM), with their delivery state.");
        staff.MapGet("/clearing-statements/{statementId:guid}", GetStatement)
            .WithName("GetClearingStatement")
            .WithSummary("One clearing statement, with its delivery state.");
        staff.MapPost("/clearing-statements/{statementId:guid}/payment", MarkPaid).RequireAuthorization(StaffAccess.CityAdminPolicy)
            .WithName("MarkClearingStatementPaid")
            .WithSummary("Record that the hospital has been paid what the statement owes (audited). Marking a paid statement again changes nothing.");

        routes.MapGroup("/api/v1/clearing-statements")
            .RequireAuthorization(HospitalCaller.Policy)
            .RequireRateLimiting(RateLimiting.HospitalPolicy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithTags("Clearing")
            .MapPost("/{statementId:guid}/acknowledgement", Acknowledge)
            .WithName("AcknowledgeClearingStatement")
            .WithSummary("The hospital acknowledges one of its clearing statements. Acknowledging again answers the same; another hospital's statement is 404.");
        return routes;
    }

    public static async Task<Results<Ok<ClearingRunResponse>, ValidationProblem>> RunClearing(
        ClearingRunRequest request, ClaimsPrincipal user, ClearingService clearing, CancellationToken cancellationToken)
    {
        if (!ClearingService.TryParseMonth(request.Month, out var month))
        {
            return Validation("month", "A month as yyyy-MM.");
        }

        if (month >= clearing.CurrentMonth())
        {
            return Validation("month", $"Only an ended month can be cleared; the current month in Asia/Shanghai is {ClearingService.MonthText(clearing.CurrentMonth())}.");
        }

        if (await clearing.FirstClearableMonthAsync(cancellationToken) is not { } first || month < first)
        {
            return Validation("month", "The month is before the first policy version and the first fund year: nothing can have been settled in it.");
        }

        var (created, statements) = await clearing.RunAsync(month, user, cancellationToken);
        return TypedResults.Ok(new ClearingRunResponse
        {
            Month = ClearingService.MonthText(month),
            Created = created,
            Statements = await clearing.DescribeAsync(statements, cancellationToken),
        });
    }

    public static async Task<Results<Ok<ClearingRunResponse>, ValidationProblem>> ListClearing(
        [FromQuery] string? month, MedicalAidDbContext db, ClearingService clearing, CancellationToken cancellationToken)
    {
        if (!ClearingService.TryParseMonth(month, out var first))
        {
            return Validation("month", "A month as yyyy-MM.");
        }

        var text = ClearingService.MonthText(first);
        var statements = await db.ClearingStatements.AsNoTracking()
            .Where(statement => statement.Month == text)
            .OrderBy(statement => statement.HospitalCode)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new ClearingRunResponse { Month = text, Created = 0, Statements = await clearing.DescribeAsync(statements, cancellationToken) });
    }

    public static async Task<Results<Ok<ClearingStatementResponse>, NotFoundProblem>> GetStatement(
        Guid statementId, MedicalAidDbContext db, ClearingService clearing, CancellationToken cancellationToken)
    {
        var statement = await db.ClearingStatements.AsNoTracking().FirstOrDefaultAsync(candidate => candidate.Id == statementId, cancellationToken);
        return statement is null
            ? NotFound(statementId)
            : TypedResults.Ok((await clearing.DescribeAsync([statement], cancellationToken))[0]);
    }

    public static async Task<Results<Ok<ClearingStatementResponse>, NotFoundProblem>> MarkPaid(
        Guid statementId, ClaimsPrincipal user, MedicalAidDbContext db, TransactionRunner transactions, ClearingService clearing, AuditTrail audit,
        ServiceCalendar calendar, CancellationToken cancellationToken)
    {
        var statement = await transactions.RunAsync(
            async token =>
            {
                var before = await db.ClearingStatements.AsNoTracking().FirstOrDefaultAsync(candidate => candidate.Id == statementId, token);
                if (before is null)
                {
                    return null;
                }

                // Conditional, so that a concurrent acknowledgement or payment never overwrites "paid" or pays twice.
                var now = calendar.Now();
                var changed = await db.ClearingStatements
                    .Where(candidate => candidate.Id == statementId && candidate.Status != ClearingState.Paid)
                    .ExecuteUpdateAsync(set => set.SetProperty(candidate => candidate.Status, ClearingState.Paid).SetProperty(candidate => candidate.PaidAt, now), token);
                var after = await db.ClearingStatements.AsNoTracking().FirstAsync(candidate => candidate.Id == statementId, token);
                if (changed == 1)
                {
                    audit.Record(user, "clearing-statement.paid", ClearingService.AuditEntityType, statementId.ToString(),
                        ClearingService.ToResponse(before, null, 0), ClearingService.ToResponse(after, null, 0));
                    await db.SaveChangesAsync(token);
                }

                return after;
            },
            cancellationToken);
        return statement is null
            ? NotFound(statementId)
            : TypedResults.Ok((await clearing.DescribeAsync([statement], cancellationToken))[0]);
    }

    public static async Task<Results<Ok<ClearingAcknowledgement>, NotFoundProblem>> Acknowledge(
        Guid statementId, ClaimsPrincipal user, MedicalAidDbContext db, ServiceCalendar calendar, CancellationToken cancellationToken)
    {
        var hospital = HospitalCaller.From(user);
        var statement = await db.ClearingStatements.AsNoTracking()
            .FirstOrDefaultAsync(candidate => candidate.Id == statementId && candidate.HospitalId == hospital.Id, cancellationToken);
        if (statement is null)
        {
            return NotFound(statementId);
        }

        if (statement.AcknowledgedAt is null)
        {
            // Conditional updates: the first acknowledgement's instant stays, and "paid" is never set back.
            var now = calendar.Now();
            await db.ClearingStatements
                .Where(candidate => candidate.Id == statementId && candidate.AcknowledgedAt == null)
                .ExecuteUpdateAsync(set => set.SetProperty(candidate => candidate.AcknowledgedAt, now), cancellationToken);
            await db.ClearingStatements
                .Where(candidate => candidate.Id == statementId && candidate.Status == ClearingState.Issued)
                .ExecuteUpdateAsync(set => set.SetProperty(candidate => candidate.Status, ClearingState.Acknowledged), cancellationToken);
            statement = await db.ClearingStatements.AsNoTracking().FirstAsync(candidate => candidate.Id == statementId, cancellationToken);
        }

        return TypedResults.Ok(new ClearingAcknowledgement
        {
            StatementId = statement.Id,
            Month = statement.Month,
            Status = ClearingService.ToWire(statement.Status),
            AcknowledgedAt = statement.AcknowledgedAt!.Value,
        });
    }

    private static NotFoundProblem NotFound(Guid statementId) =>
        new(Problems.NotFound($"No clearing statement {statementId}."));

    private static ValidationProblem Validation(string field, string message)
    {
        var problem = Problems.Validation(field, message);
        return TypedResults.ValidationProblem(problem.Errors, problem.Detail, problem.Instance, problem.Title, problem.Type);
    }
}
