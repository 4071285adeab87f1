namespace MedicalAid.Engine;

/// <summary>Everything one settlement is calculated from; nothing else (no clock, no storage) is consulted.</summary>
/// <param name="UsedThisYear">The beneficiary's totals in the service year before this settlement.</param>
/// <param name="FundBalances">What each channel's fund for the service year holds before this settlement.</param>
public sealed record SettlementInput(
    VisitType VisitType,
    HospitalLevel HospitalLevel,
    Bill Bill,
    string Category,
    PolicyVersion Policy,
    YearUsage UsedThisYear,
    ChannelAmounts FundBalances);

public enum TraceUnit
{
    /// <summary>The value is an amount in fen.</summary>
    Fen,

    /// <summary>The value is a ratio in basis points.</summary>
    BasisPoints,
}

/// <summary>One figure a channel used, named as in docs/design.md §3's reasoning (outOfPocket is O, deductibleApplied is d …).</summary>
public readonly record struct TraceFigure(string Name, long Value, TraceUnit Unit)
{
    public static TraceFigure Of(string name, Money amount) => new(name, amount.Fen, TraceUnit.Fen);

    public static TraceFigure Of(string name, Ratio ratio) => new(name, ratio.BasisPoints, TraceUnit.BasisPoints);
}

/// <summary>What one channel pays, why, and the figures it used.</summary>
public sealed record ChannelResult(
    Channel Channel,
    Money Amount,
    IReadOnlyList<ReasonCode> Reasons,
    IReadOnlyList<TraceFigure> Trace)
{
    public bool Has(ReasonCode reason) => Reasons.Contains(reason);
}

/// <summary>
/// The outcome of docs/design.md §3 for one settlement, with the exact changes settling it would make:
/// <see cref="FundDebits"/> to take from each fund and <see cref="UsageChange"/> to add to the beneficiary's year.
/// A reversal applies their negation.
/// </summary>
public sealed record SettlementResult(
    IReadOnlyList<ChannelResult> Channels,
    Money InsurancePaid,
    Money AssistanceTotal,
    Money FundsSettled,
    Money PatientPays,
    ChannelAmounts FundDebits,
    YearUsage UsageChange)
{
    public ChannelResult this[Channel channel] => Channels[(int)channel];
}

public sealed class InvalidSettlementInputException(string message) : ArgumentException(message);
