namespace MedicalAid.Engine;

/// <summary>The five assistance channels, in the order a settlement applies them (docs/design.md §2).</summary>
public enum Channel
{
    InsuranceSubsidy,
    Outpatient,
    Inpatient,
    Temporary,
    Charity,
}

public enum VisitType
{
    Outpatient,
    Inpatient,
}

public enum HospitalLevel
{
    Primary,
    Secondary,
    Tertiary,
}

/// <summary>Why a channel paid what it paid (docs/design.md §3).</summary>
public enum ReasonCode
{
    NotEligibleCategory,
    BelowThreshold,
    DeductibleApplied,
    CapReached,
    FundExhausted,
    AlreadyPaidThisYear,
    NotApplicableVisitType,
}

public static class Channels
{
    /// <summary>All five channels in settlement order.</summary>
    public static IReadOnlyList<Channel> InSettlementOrder { get; } =
        [Channel.InsuranceSubsidy, Channel.Outpatient, Channel.Inpatient, Channel.Temporary, Channel.Charity];

    public static Channel MedicalChannelFor(VisitType visitType) =>
        visitType == VisitType.Inpatient ? Channel.Inpatient : Channel.Outpatient;
}

/// <summary>
/// One amount per channel: what each fund holds, or what a settlement takes from each.
/// </summary>
public readonly record struct ChannelAmounts(
    Money InsuranceSubsidy,
    Money Outpatient,
    Money Inpatient,
    Money Temporary,
    Money Charity)
{
    public static ChannelAmounts Zero => default;

    public Money this[Channel channel] => channel switch
    {
        Channel.InsuranceSubsidy => InsuranceSubsidy,
        Channel.Outpatient => Outpatient,
        Channel.Inpatient => Inpatient,
        Channel.Temporary => Temporary,
        Channel.Charity => Charity,
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Unknown channel."),
    };

    public ChannelAmounts With(Channel channel, Money amount) => channel switch
    {
        Channel.InsuranceSubsidy => this with { InsuranceSubsidy = amount },
        Channel.Outpatient => this with { Outpatient = amount },
        Channel.Inpatient => this with { Inpatient = amount },
        Channel.Temporary => this with { Temporary = amount },
        Channel.Charity => this with { Charity = amount },
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Unknown channel."),
    };

    public Money Sum => InsuranceSubsidy + Outpatient + Inpatient + Temporary + Charity;

    public static ChannelAmounts operator +(ChannelAmounts left, ChannelAmounts right) => new(
        left.InsuranceSubsidy + right.InsuranceSubsidy,
        left.Outpatient + right.Outpatient,
        left.Inpatient + right.Inpatient,
        left.Temporary + right.Temporary,
        left.Charity + right.Charity);

    public static ChannelAmounts operator -(ChannelAmounts left, ChannelAmounts right) => left + -right;

    public static ChannelAmounts operator -(ChannelAmounts value) => new(
        -value.InsuranceSubsidy, -value.Outpatient, -value.Inpatient, -value.Temporary, -value.Charity);

    public ChannelAmounts Add(ChannelAmounts other) => this + other;

    public ChannelAmounts Subtract(ChannelAmounts other) => this - other;

    public ChannelAmounts Negate() => -this;
}

/// <summary>
/// A beneficiary's totals in one service year; also the shape of the change one settlement makes to them.
/// </summary>
public readonly record struct YearUsage(
    Money InsuranceSubsidy,
    Money OutpatientDeductible,
    Money InpatientDeductible,
    Money Outpatient,
    Money Inpatient,
    Money Temporary,
    Money Charity)
{
    public static YearUsage None => default;

    public bool InsuranceSubsidyPaid => InsuranceSubsidy.IsPositive;

    /// <summary>Outpatient plus inpatient assistance: what counts against the shared annual cap.</summary>
    public Money MedicalAssistance => Outpatient + Inpatient;

    public Money DeductibleUsed(VisitType visitType) =>
        visitType == VisitType.Inpatient ? InpatientDeductible : OutpatientDeductible;

    public Money AssistanceUsed(VisitType visitType) =>
        visitType == VisitType.Inpatient ? Inpatient : Outpatient;

    public static YearUsage operator +(YearUsage left, YearUsage right) => new(
        left.InsuranceSubsidy + right.InsuranceSubsidy,
        left.OutpatientDeductible + right.OutpatientDeductible,
        left.InpatientDeductible + right.InpatientDeductible,
        left.Outpatient + right.Outpatient,
        left.Inpatient + right.Inpatient,
        left.Temporary + right.Temporary,
        left.Charity + right.Charity);

    public static YearUsage operator -(YearUsage left, YearUsage right) => left + -right;

    public static YearUsage operator -(YearUsage value) => new(
        -value.InsuranceSubsidy,
        -value.OutpatientDeductible,
        -value.InpatientDeductible,
        -value.Outpatient,
        -value.Inpatient,
        -value.Temporary,
        -value.Charity);

    public YearUsage Add(YearUsage other) => this + other;

    public YearUsage Subtract(YearUsage other) => this - other;

    public YearUsage Negate() => -this;
}

/// <summary>The bill as the hospital presents it: T, S and the three insurance payments that make up I.</summary>
public readonly record struct Bill(
    Money Total,
    Money PolicyScope,
    Money BasicInsurancePaid,
    Money CriticalIllnessInsurancePaid,
    Money OtherInsurancePaid)
{
    /// <summary>I: everything insurance has already paid.</summary>
    public Money InsurancePaid => BasicInsurancePaid + CriticalIllnessInsurancePaid + OtherInsurancePaid;

    /// <summary>True when every amount is ≥ 0, S ≤ T and I ≤ S.</summary>
    public bool IsSound =>
        !Total.IsNegative && !PolicyScope.IsNegative && !BasicInsurancePaid.IsNegative
        && !CriticalIllnessInsurancePaid.IsNegative && !OtherInsurancePaid.IsNegative
        && PolicyScope <= Total && InsurancePaid <= PolicyScope;

    /// <summary>Checks the bill against docs/design.md §3: every amount ≥ 0, S ≤ T, I ≤ S. Empty when the bill is sound.</summary>
    public IReadOnlyList<BillProblem> Validate()
    {
        var problems = new List<BillProblem>();
        Check(Total, BillField.Total);
        Check(PolicyScope, BillField.PolicyScope);
        Check(BasicInsurancePaid, BillField.BasicInsurancePaid);
        Check(CriticalIllnessInsurancePaid, BillField.CriticalIllnessInsurancePaid);
        Check(OtherInsurancePaid, BillField.OtherInsurancePaid);
        if (problems.Count > 0)
        {
            return problems;
        }

        if (PolicyScope > Total)
        {
            problems.Add(new BillProblem(BillField.PolicyScope, "The policy-scope cost must not exceed the total cost."));
        }

        if (InsurancePaid > PolicyScope)
        {
            problems.Add(new BillProblem(BillField.InsurancePaid, "Insurance paid (basic + critical-illness + other) must not exceed the policy-scope cost."));
        }

        return problems;

        void Check(Money amount, BillField field)
        {
            if (amount.IsNegative)
            {
                problems.Add(new BillProblem(field, "An amount must not be negative."));
            }
        }
    }
}

public enum BillField
{
    Total,
    PolicyScope,
    BasicInsurancePaid,
    CriticalIllnessInsurancePaid,
    OtherInsurancePaid,

    /// <summary>The three insurance payments taken together.</summary>
    InsurancePaid,
}

public sealed record BillProblem(BillField Field, string Message);
