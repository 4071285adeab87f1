using System.Text.Json.Serialization;

namespace MedicalAid.Contracts.Admin;

public sealed record class FundBalanceResponse
{
    public required int Year { get; init; }

    public required AssistanceChannel Channel { get; init; }

    /// <summary>What is left in the fund now.</summary>
    public required decimal Balance { get; init; }

    /// <summary>What the fund received for the year: its opening balance and every top-up.</summary>
    public required decimal Received { get; init; }

    /// <summary>What the fund paid, net of reversals: received minus what is left.</summary>
    public required decimal Paid { get; init; }
}

/// <summary>Money put into a fund; opens the fund for that year if it did not exist.</summary>
public sealed record class TopUpRequest
{
    /// <summary>Positive, in yuan with at most two decimals.</summary>
    /// <example>100000.00</example>
    public required decimal Amount { get; init; }

    /// <example>2027年度财政拨款</example>
    public required string Reason { get; init; }
}

[JsonConverter(typeof(StrictEnumConverter<LedgerEntryKind>))]
public enum LedgerEntryKind
{
    [JsonStringEnumMemberName("openingBalance")]
    OpeningBalance,

    [JsonStringEnumMemberName("topUp")]
    TopUp,

    [JsonStringEnumMemberName("settlementDebit")]
    SettlementDebit,

    [JsonStringEnumMemberName("reversalCredit")]
    ReversalCredit,

    [JsonStringEnumMemberName("premiumSubsidy")]
    PremiumSubsidy,
}

/// <summary>A movement on a fund: negative out, positive in.</summary>
public sealed record class LedgerEntryResponse
{
    public required long Id { get; init; }

    public required LedgerEntryKind Kind { get; init; }

    public required decimal Amount { get; init; }

    public Guid? SettlementId { get; init; }

    public Guid? ReversalId { get; init; }

    public string? Note { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>What a yearly insurance-subsidy run (资助参保) paid.</summary>
public sealed record class SubsidyRunResponse
{
    public required Guid RunId { get; init; }

    public required int Year { get; init; }

    /// <summary>Beneficiaries paid by this run.</summary>
    public required int Persons { get; init; }

    public required decimal Total { get; init; }

    /// <summary>Eligible beneficiaries already paid this year (by an earlier run or a settlement).</summary>
    public required int AlreadyPaid { get; init; }

    /// <summary>Eligible beneficiaries left unpaid because the fund ran out.</summary>
    public required int UnpaidFundExhausted { get; init; }

    public required decimal FundBalanceAfter { get; init; }
}
