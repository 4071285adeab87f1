using System.Security.Claims;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedicalAid.Api.Eligibility;

public static class EligibilityEndpoints
{
    public static IEndpointRouteBuilder MapEligibility(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/eligibility/{idNumber}", GetEligibility)
            .RequireAuthorization(HospitalCaller.Policy)
            .RequireRateLimiting(RateLimiting.HospitalPolicy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithTags("Eligibility")
            .WithName("GetEligibility")
            .WithSummary("Whether a person can be settled on a date (default today), their category, and what remains of each cap and deductible that year.");
        routes.MapGet("/api/v1/admin/beneficiaries/{id:long}/eligibility", GetYearForStaff)
            .RequireAuthorization(StaffAccess.ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Beneficiaries")
            .WithName("GetBeneficiaryYear")
            .WithSummary("A beneficiary of your unit's subtree on a date (default today): eligibility, category, and what is used and remains of each cap and deductible that year.");
        return routes;
    }

    public static async Task<Results<Ok<EligibilityResponse>, ValidationProblem, NotFoundProblem>> GetEligibility(
        string idNumber,
        DateOnly? date,
        EligibilityService eligibility,
        ServiceCalendar calendar,
        CancellationToken cancellationToken)
    {
        var today = calendar.Today();
        var normalized = idNumber.Trim().ToUpperInvariant();
        var problem = ResidentIdNumber.Check(normalized, today);
        if (problem != ResidentIdProblem.None)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["idNumber"] = [ResidentIdNumber.Describe(problem)] },
                type: ProblemTypes.Validation);
        }

        return await eligibility.ForIdNumberAsync(normalized, date ?? today, cancellationToken) is { } found
            ? TypedResults.Ok(found)
            : new NotFoundProblem(Problems.NotFound("No beneficiary with this ID number is registered."));
    }

    public static async Task<Results<Ok<EligibilityResponse>, NotFoundProblem>> GetYearForStaff(
        long id, DateOnly? date, ClaimsPrincipal user, EligibilityService eligibility, ServiceCalendar calendar, CancellationToken cancellationToken) =>
        await eligibility.ForStaffAsync(id, date ?? calendar.Today(), user, cancellationToken) is { } found
            ? TypedResults.Ok(found.Year)
            : new NotFoundProblem(Problems.NotFound("No beneficiary with this id."));
}
