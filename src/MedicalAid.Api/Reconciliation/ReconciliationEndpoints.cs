using System.Security.Claims;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace MedicalAid.Api.Reconciliation;

/// <summary>Reconciliation of a hospital's day (对总账, 对明细账); day boundaries in the scheme's time zone (Asia/Shanghai).</summary>
public static class ReconciliationEndpoints
{
    public static IEndpointRouteBuilder MapReconciliation(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/reconciliation")
            .RequireAuthorization(HospitalCaller.Policy)
            .RequireRateLimiting(RateLimiting.HospitalPolicy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithTags("Reconciliation");

        group.MapGet("/daily", GetDailyTotals)
            .WithName("GetDailyTotals")
            .WithSummary("This hospital's day (对总账): settlements and reversals made between 00:00 and 24:00 Asia/Shanghai, counts and sums per channel, and the net.");
        group.MapPost("/daily", ReconcileDailyTotals)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("ReconcileDailyTotals")
            .WithSummary("Compare the hospital's totals for a day with ours: matched, or mismatched with each figure that differs.");
        group.MapPost("/detail", ReconcileDetail)
            .WithMetadata(new RequestSizeLimitAttribute(ReconciliationRules.MaxDetailBodyBytes))
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName("ReconcileDetail")
            .WithSummary($"Compare the hospital's list of a day's settlements with ours, item by item (对明细账); at most {ReconciliationRules.MaxDetailItems} items. Returns every item that is not matched.");
        return routes;
    }

    public static async Task<Results<Ok<DailyTotals>, ValidationProblem>> GetDailyTotals(
        [FromQuery] string? date, ClaimsPrincipal user, ReconciliationService reconciliation, ServiceCalendar calendar, CancellationToken cancellationToken)
    {
        if (!ReconciliationRules.TryParseDate(date, calendar.Today(), out var day, out var problem))
        {
            return Validation(new Dictionary<string, string[]> { ["date"] = [problem!] });
        }

        return TypedResults.Ok(await reconciliation.DailyTotalsAsync(HospitalCaller.From(user), day, cancellationToken));
    }

    public static async Task<Results<Ok<DailyReconciliationResult>, ValidationProblem>> ReconcileDailyTotals(
        HospitalDailyTotals totals, ClaimsPrincipal user, ReconciliationService reconciliation, ServiceCalendar calendar, CancellationToken cancellationToken)
    {
        var errors = ReconciliationRules.Validate(totals, calendar.Today());
        if (errors.Count > 0)
        {
            return Validation(errors);
        }

        return TypedResults.Ok(await reconciliation.ReconcileDailyAsync(HospitalCaller.From(user), totals, cancellationToken));
    }

    public static async Task<Results<Ok<DetailReconciliationResult>, ValidationProblem>> ReconcileDetail(
        DetailReconciliationRequest request, ClaimsPrincipal user, ReconciliationService reconciliation, ServiceCalendar calendar, CancellationToken cancellationToken)
    {
        var errors = ReconciliationRules.Validate(request, calendar.Today());
        if (errors.Count > 0)
        {
            return Validation(errors);
        }

        return TypedResults.Ok(await reconciliation.ReconcileDetailAsync(HospitalCaller.From(user), request, cancellationToken));
    }

    private static ValidationProblem Validation(IDictionary<string, string[]> errors)
    {
        var problem = Problems.Validation(errors);
        return TypedResults.ValidationProblem(problem.Errors, problem.Detail, problem.Instance, problem.Title, problem.Type);
    }
}
