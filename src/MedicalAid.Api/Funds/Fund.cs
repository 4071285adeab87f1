using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Funds;

/// <summary>One channel's fund for one year. Its balance always equals the sum of its ledger entries and is never below zero.</summary>
public sealed class Fund
{
    public int Id { get; set; }

    public Channel Channel { get; set; }

    public int Year { get; set; }

    public Money Balance { get; set; }
}

public enum LedgerEntryKind
{
    OpeningBalance,
    TopUp,
    SettlementDebit,
    ReversalCredit,

    /// <summary>A premium subsidy paid by the yearly staff run.</summary>
    PremiumSubsidy,
}

/// <summary>An append-only movement on a fund: negative for money paid out, positive for money put in or given back.</summary>
public sealed class LedgerEntry
{
    public long Id { get; set; }

    public int FundId { get; set; }

    public Channel Channel { get; set; }

    public int Year { get; set; }

    public LedgerEntryKind Kind { get; set; }

    public Money Amount { get; set; }

    public Guid? SettlementId { get; set; }

    public Guid? ReversalId { get; set; }

    public int? HospitalId { get; set; }

    public long? BeneficiaryId { get; set; }

    public string? Note { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class FundConfiguration : IEntityTypeConfiguration<Fund>
{
    public void Configure(EntityTypeBuilder<Fund> builder)
    {
        builder.HasIndex(fund => new { fund.Year, fund.Channel }).IsUnique();
        builder.ToTable(table => table.HasCheckConstraint("CK_Funds_BalanceNotNegative", "\"Balance\" >= 0"));
    }
}

internal sealed class LedgerEntryConfiguration : IEntityTypeConfiguration<LedgerEntry>
{
    public void Configure(EntityTypeBuilder<LedgerEntry> builder)
    {
        builder.Property(entry => entry.Note).HasMaxLength(256);
        builder.HasOne<Fund>().WithMany().HasForeignKey(entry => entry.FundId);
        // (fund, kind): what a fund received — its opening balance and top-ups, a handful of rows among a year's
        // million debits — is read for the console's dashboard without touching the debits.
        builder.HasIndex(entry => new { entry.FundId, entry.Kind });
        builder.HasIndex(entry => entry.SettlementId);
    }
}
