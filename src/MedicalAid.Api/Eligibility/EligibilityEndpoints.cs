using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

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
        return routes;
    }

    public static async Task<Results<Ok<EligibilityResponse>, ValidationProblem, NotFoundProblem>> GetEligibility(
        string idNumber,
        DateOnly? date,
        BeneficiaryEligibility eligibility,
        MedicalAidDbContext db,
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

        var on = date ?? today;
        var found = await eligibility.FindAsync(normalized, on, cancellationToken);
        if (found is null)
        {
            return new NotFoundProblem(Problems.NotFound("No beneficiary with this ID number is registered."));
        }

        var usage = await db.BeneficiaryYearUsages.AsNoTracking()
            .FirstOrDefaultAsync(row => row.BeneficiaryId == found.Beneficiary.Id && row.Year == on.Year, cancellationToken);
        var used = usage?.ToUsage() ?? YearUsage.None;
        var categoryName = found.Status is null
            ? null
            : await db.Categories.AsNoTracking().Where(category => category.Code == found.Status.CategoryCode)
                .Select(category => category.Name).FirstOrDefaultAsync(cancellationToken);

        var rule = found.CategoryRule;
        var policy = found.Policy;
        return TypedResults.Ok(new EligibilityResponse
        {
            IdNumberMasked = ResidentIdNumber.Mask(found.Beneficiary.IdNumber),
            Name = found.Beneficiary.Name,
            Date = on,
            Eligible = found.IsActive && rule is not null,
            Active = found.IsActive,
            Category = found.Status?.CategoryCode,
            CategoryName = categoryName,
            PolicyVersion = policy?.Code,
            Year = on.Year,
            InsuranceSubsidyPaid = used.InsuranceSubsidyPaid,
            Outpatient = rule is null ? null : Medical(rule.Outpatient, used.OutpatientDeductible, used.Outpatient),
            Inpatient = rule is null ? null : Medical(rule.Inpatient, used.InpatientDeductible, used.Inpatient),
            SharedAnnualCap = policy is null ? null : Limit(policy.SharedAnnualCap, used.MedicalAssistance),
            TemporaryEligible = rule?.TemporaryEligible ?? false,
            Temporary = policy is null ? null : Limit(policy.Temporary.AnnualCap, used.Temporary),
            CharityEligible = rule?.CharityEligible ?? false,
            CharityUsed = used.Charity.ToYuan(),
        });

        static MedicalAssistanceStatus Medical(MedicalAssistanceRule rule, Money deductibleUsed, Money assistanceUsed) => new()
        {
            Ratio = rule.Ratio.ToDecimal(),
            Deductible = Limit(rule.Deductible, deductibleUsed),
            AnnualCap = Limit(rule.AnnualCap, assistanceUsed),
        };

        static LimitStatus Limit(Money limit, Money used) => new()
        {
            Limit = limit.ToYuan(),
            Used = used.ToYuan(),
            Remaining = Money.Remaining(limit, used).ToYuan(),
        };
    }
}
