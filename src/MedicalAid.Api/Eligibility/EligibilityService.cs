using System.Security.Claims;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Eligibility;

/// <summary>
/// A person's standing on a date: whether they can be settled, their category, and what remains of each cap and
/// deductible that year. Hospitals ask by ID number at admission; staff ask by beneficiary inside their scope (the
/// console's beneficiary view). Both get the same answer from here.
/// </summary>
public sealed class EligibilityService(BeneficiaryEligibility eligibility, MedicalAidDbContext db, DataScopes scopes)
{
    /// <summary>By a normalised, valid ID number; null when no such person is registered.</summary>
    public async Task<EligibilityResponse?> ForIdNumberAsync(string idNumber, DateOnly on, CancellationToken cancellationToken) =>
        await eligibility.FindAsync(idNumber, on, cancellationToken) is { } found ? await DescribeAsync(found, on, cancellationToken) : null;

    /// <summary>By beneficiary id, for staff: the person's year and full ID number; null when not in the caller's scope.</summary>
    public async Task<StaffYear?> ForStaffAsync(long beneficiaryId, DateOnly on, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(user, cancellationToken);
        var idNumber = await scope.Beneficiaries(db).Where(beneficiary => beneficiary.Id == beneficiaryId)
            .Select(beneficiary => beneficiary.IdNumber).FirstOrDefaultAsync(cancellationToken);
        return idNumber is not null && await ForIdNumberAsync(idNumber, on, cancellationToken) is { } year ? new StaffYear(year, idNumber) : null;
    }

    private async Task<EligibilityResponse> DescribeAsync(BeneficiaryOnDate found, DateOnly on, CancellationToken cancellationToken)
    {
        var usage = await db.BeneficiaryYearUsages.AsNoTracking()
            .FirstOrDefaultAsync(row => row.BeneficiaryId == found.Beneficiary.Id && row.Year == on.Year, cancellationToken);
        var used = usage?.ToUsage() ?? YearUsage.None;
        var categoryName = found.Status is null
            ? null
            : await db.Categories.AsNoTracking().Where(category => category.Code == found.Status.CategoryCode)
                .Select(category => category.Name).FirstOrDefaultAsync(cancellationToken);

        var rule = found.CategoryRule;
        var policy = found.Policy;
        return new EligibilityResponse
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
        };

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

/// <summary>A person's year as staff read it, with the full ID number their settlements are searched by.</summary>
public sealed record StaffYear(EligibilityResponse Year, string IdNumber);
