namespace MedicalAid.Contracts.Admin;

/// <summary>A settlement in the staff search. The ID number is masked; amounts are yuan.</summary>
public sealed record class SettlementListItem
{
    public required Guid Id { get; init; }

    /// <example>H001</example>
    public required string HospitalCode { get; init; }

    /// <example>ZY2026112800017</example>
    public required string VisitNumber { get; init; }

    public required VisitType VisitType { get; init; }

    /// <example>1401**********0026</example>
    public required string IdNumberMasked { get; init; }

    /// <example>李秀英</example>
    public required string Name { get; init; }

    /// <example>minimum-living</example>
    public required string Category { get; init; }

    /// <summary>Discharge date of a stay, or the date of an outpatient visit.</summary>
    public required DateOnly ServiceDate { get; init; }

    public required SettlementStatus Status { get; init; }

    /// <summary>Insurance subsidy plus the four assistance channels (what the funds paid).</summary>
    public required decimal FundsSettled { get; init; }

    public required decimal AssistanceTotal { get; init; }

    public required decimal PatientPays { get; init; }

    public required DateTimeOffset SettledAt { get; init; }
}

/// <summary>
/// Settlements with a service date in [from, to], reversals netted out: a reversed settlement contributes nothing to
/// any figure except <see cref="ReversedCount"/>.
/// </summary>
public sealed record class SummaryReport
{
    public required DateOnly From { get; init; }

    public required DateOnly To { get; init; }

    /// <summary>Unreversed settlements.</summary>
    public required long SettlementCount { get; init; }

    /// <summary>Settlements in the range that have been reversed (not counted anywhere else).</summary>
    public required long ReversedCount { get; init; }

    /// <summary>Distinct beneficiaries with at least one unreversed settlement.</summary>
    public required long PersonCount { get; init; }

    /// <summary>What the funds paid in total (all five channels).</summary>
    public required decimal FundsSettled { get; init; }

    /// <summary>Always all five channels, in settlement order.</summary>
    public required IReadOnlyList<ChannelTotal> ByChannel { get; init; }

    public required IReadOnlyList<SummaryGroup> ByHospital { get; init; }

    public required IReadOnlyList<SummaryGroup> ByCategory { get; init; }

    /// <summary>Keys are yyyy-MM of the service date.</summary>
    public required IReadOnlyList<SummaryGroup> ByMonth { get; init; }
}

public sealed record class ChannelTotal
{
    public required AssistanceChannel Channel { get; init; }

    public required decimal Amount { get; init; }
}

/// <summary>The totals of one hospital, category or month.</summary>
public sealed record class SummaryGroup
{
    /// <example>H001</example>
    public required string Key { get; init; }

    public required long SettlementCount { get; init; }

    public required long PersonCount { get; init; }

    public required decimal FundsSettled { get; init; }

    /// <summary>Always all five channels, in settlement order.</summary>
    public required IReadOnlyList<ChannelTotal> ByChannel { get; init; }
}

/// <summary>
/// The totals of a settlement search's whole filtered set (every page): how many settlements it holds, how many of
/// them are reversed, and what the unreversed ones add up to.
/// </summary>
public sealed record class SettlementSearchTotals
{
    /// <summary>Settlements matching the filters, reversed ones included.</summary>
    public required long Count { get; init; }

    /// <summary>Of those, the reversed ones (not counted in the amounts).</summary>
    public required long ReversedCount { get; init; }

    /// <summary>Total cost of the unreversed settlements' bills.</summary>
    public required decimal Total { get; init; }

    /// <summary>What the funds paid for the unreversed settlements (all five channels).</summary>
    public required decimal FundsSettled { get; init; }

    public required decimal PatientPays { get; init; }

    /// <summary>Each channel's share of <see cref="FundsSettled"/>, always all five in settlement order.</summary>
    public required IReadOnlyList<ChannelTotal> ByChannel { get; init; }
}
