using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Beneficiaries;

/// <summary>
/// A beneficiary's running totals in one service year. Always the sum of their unreversed settlements; the row is
/// also the lock that serialises settlements of one beneficiary.
/// </summary>
public sealed class BeneficiaryYearUsage
{
    public long BeneficiaryId { get; set; }

    public int Year { get; set; }

    public Money InsuranceSubsidy { get; set; }

    public Money OutpatientDeductible { get; set; }

    public Money InpatientDeductible { get; set; }

    public Money Outpatient { get; set; }

    public Money Inpatient { get; set; }

    public Money Temporary { get; set; }

    public Money Charity { get; set; }

    public YearUsage ToUsage() => new(InsuranceSubsidy, OutpatientDeductible, InpatientDeductible, Outpatient, Inpatient, Temporary, Charity);

    public void Apply(YearUsage change)
    {
        var updated = ToUsage() + change;
        InsuranceSubsidy = updated.InsuranceSubsidy;
        OutpatientDeductible = updated.OutpatientDeductible;
        InpatientDeductible = updated.InpatientDeductible;
        Outpatient = updated.Outpatient;
        Inpatient = updated.Inpatient;
        Temporary = updated.Temporary;
        Charity = updated.Charity;
    }
}

internal sealed class BeneficiaryYearUsageConfiguration : IEntityTypeConfiguration<BeneficiaryYearUsage>
{
    public void Configure(EntityTypeBuilder<BeneficiaryYearUsage> builder)
    {
        builder.HasKey(usage => new { usage.BeneficiaryId, usage.Year });
        builder.HasOne<Beneficiary>().WithMany().HasForeignKey(usage => usage.BeneficiaryId);
    }
}
