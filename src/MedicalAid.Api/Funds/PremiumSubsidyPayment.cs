using MedicalAid.Api.Beneficiaries;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Funds;

/// <summary>
/// A premium subsidy (资助参保) paid by the yearly staff run rather than at a settlement. The unique index on
/// (beneficiary, year) is what stops two runs paying one person twice; the usage row, locked as in a settlement,
/// stops a run and a settlement from both paying it.
/// </summary>
public sealed class PremiumSubsidyPayment
{
    public long Id { get; set; }

    public long BeneficiaryId { get; set; }

    public int Year { get; set; }

    public Money Amount { get; set; }

    public Guid RunId { get; set; }

    public DateTimeOffset PaidAt { get; set; }
}

internal sealed class PremiumSubsidyPaymentConfiguration : IEntityTypeConfiguration<PremiumSubsidyPayment>
{
    public void Configure(EntityTypeBuilder<PremiumSubsidyPayment> builder)
    {
        builder.HasIndex(payment => new { payment.BeneficiaryId, payment.Year }).IsUnique();
        builder.HasOne<Beneficiary>().WithMany().HasForeignKey(payment => payment.BeneficiaryId);
    }
}
