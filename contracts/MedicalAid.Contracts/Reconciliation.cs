using System.Text.Json.Serialization;

namespace MedicalAid.Contracts;

/// <summary>An amount per channel, in yuan.</summary>
public sealed record class ChannelAmount
{
    public required AssistanceChannel Channel { get; init; }

    public required decimal Amount { get; init; }
}

/// <summary>Counts and sums of one kind of record (settlements or reversals) on one day.</summary>
public sealed record class MovementTotals
{
    public required int Count { get; init; }

    /// <summary>Insurance subsidy + outpatient/inpatient + temporary + charity, in yuan.</summary>
    public required decimal FundsSettled { get; init; }

    /// <summary>All five channels in settlement order.</summary>
    public required IReadOnlyList<ChannelAmount> Channels { get; init; }
}

/// <summary>
/// A hospital's day (对总账): settlements made and reversals made between 00:00 and 24:00 Asia/Shanghai, and the net.
/// A reversal counts on the day it was made, whatever day its settlement was.
/// </summary>
public sealed record class DailyTotals
{
    public required string HospitalCode { get; init; }

    public required DateOnly Date { get; init; }

    public required MovementTotals Settlements { get; init; }

    public required MovementTotals Reversals { get; init; }

    /// <summary>Settlements minus reversals.</summary>
    public required MovementTotals Net { get; init; }
}

/// <summary>The totals a hospital's own books show for a day, to be compared with ours.</summary>
public sealed record class HospitalDailyTotals
{
    public required DateOnly Date { get; init; }

    public required MovementTotals Settlements { get; init; }

    public required MovementTotals Reversals { get; init; }
}

[JsonConverter(typeof(StrictEnumConverter<ReconciliationStatus>))]
public enum ReconciliationStatus
{
    [JsonStringEnumMemberName("matched")]
    Matched,

    [JsonStringEnumMemberName("mismatched")]
    Mismatched,
}

/// <summary>One figure that differs: its path (settlements.count, reversals.channels.charity …), ours and theirs.</summary>
public sealed record class FigureDifference
{
    /// <example>settlements.channels.charity</example>
    public required string Field { get; init; }

    public required decimal Ours { get; init; }

    public required decimal Theirs { get; init; }
}

public sealed record class DailyReconciliationResult
{
    public required DateOnly Date { get; init; }

    public required ReconciliationStatus Status { get; init; }

    public required DailyTotals Ours { get; init; }

    /// <summary>Empty when matched.</summary>
    public required IReadOnlyList<FigureDifference> Differences { get; init; }
}

/// <summary>One settlement as the hospital recorded it (对明细账).</summary>
public sealed record class DetailItem
{
    public required Guid SettlementId { get; init; }

    public required string VisitNumber { get; init; }

    public required SettlementStatus Status { get; init; }

    public required decimal FundsSettled { get; init; }

    public required decimal PatientPays { get; init; }
}

/// <summary>The hospital's list of the settlements it made on a day (Asia/Shanghai), to be compared item by item.</summary>
public sealed record class DetailReconciliationRequest
{
    public required DateOnly Date { get; init; }

    public required IReadOnlyList<DetailItem> Items { get; init; }
}

[JsonConverter(typeof(StrictEnumConverter<DetailMatch>))]
public enum DetailMatch
{
    [JsonStringEnumMemberName("matched")]
    Matched,

    /// <summary>The hospital lists it; we have no such settlement of this hospital on that day.</summary>
    [JsonStringEnumMemberName("missingOnOurSide")]
    MissingOnOurSide,

    /// <summary>We settled it that day; the hospital's list does not have it.</summary>
    [JsonStringEnumMemberName("missingOnTheirSide")]
    MissingOnTheirSide,

    /// <summary>Both have it, with a different status, visit number or amount.</summary>
    [JsonStringEnumMemberName("amountsDiffer")]
    AmountsDiffer,
}

public sealed record class DetailItemResult
{
    public required Guid SettlementId { get; init; }

    public required string VisitNumber { get; init; }

    public required DetailMatch Match { get; init; }

    /// <summary>Our record, when we have it.</summary>
    public DetailItem? Ours { get; init; }

    /// <summary>Their record, when they sent it.</summary>
    public DetailItem? Theirs { get; init; }
}

public sealed record class DetailReconciliationResult
{
    public required DateOnly Date { get; init; }

    public required ReconciliationStatus Status { get; init; }

    public required int Matched { get; init; }

    /// <summary>Every item that is not matched (the matched ones are counted in <see cref="Matched"/>).</summary>
    public required IReadOnlyList<DetailItemResult> Items { get; init; }
}
