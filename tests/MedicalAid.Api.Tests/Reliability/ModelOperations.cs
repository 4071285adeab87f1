using System.Globalization;
using CsCheck;
using MedicalAid.Engine;

namespace MedicalAid.Api.Tests.Reliability;

/// <summary>
/// One step of a model-based run. Steps name what they act on by small indexes that the run resolves against what
/// exists at that moment ("the 3rd settlement so far", modulo how many there are), so any shorter sequence that
/// CsCheck tries while shrinking is still a sequence that can be run.
/// </summary>
public abstract record ModelStep;

/// <summary>How a settlement request picks its Idempotency-Key.</summary>
public enum KeyChoice
{
    /// <summary>A key never used before.</summary>
    Fresh,

    /// <summary>The original arriving late: a key that a reversal by request voided before anything came under it.</summary>
    Voided,

    /// <summary>A key this hospital already used for a reversal (settlement and reversal keys share one space).</summary>
    ReversalKey,
}

/// <summary>A bill in fen: total, policy scope as a percentage of it, insurance as a percentage of the scope.</summary>
public sealed record ModelBill(long TotalFen, int ScopePercent, int InsurancePercent)
{
    public Bill ToBill()
    {
        var scope = TotalFen * ScopePercent / 100;
        var insurance = scope * InsurancePercent / 100;
        return new Bill(new Money(TotalFen), new Money(scope), new Money(insurance), Money.Zero, Money.Zero);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"T={new Money(TotalFen)} S={ScopePercent}% I={InsurancePercent}%");
}

/// <summary>Settle a visit (hospital 0–2, patient 0–2, visit slot 0–3 of that hospital, year 0 = 2025 / 1 = 2026).</summary>
public sealed record Settle(int Hospital, int Patient, int Visit, VisitType Type, int Year, int Day, ModelBill Bill, KeyChoice Key, int KeyIndex, bool WrongName) : ModelStep;

/// <summary>Send an earlier settlement request again with its key: exactly, or reformatted (case, spaces, scale of the amounts).</summary>
public sealed record RetrySettle(int Attempt, bool Reformatted) : ModelStep;

/// <summary>Send an earlier settlement request's key with another bill.</summary>
public sealed record RetrySettleChanged(int Attempt) : ModelStep;

/// <summary>Preview a visit: the calculation, nothing recorded.</summary>
public sealed record Preview(int Hospital, int Patient, VisitType Type, int Year, int Day, ModelBill Bill) : ModelStep;

/// <summary>Reverse (撤销) a settlement, as its own hospital or another one, under a fresh key or a settlement attempt's key.</summary>
public sealed record Reverse(int Settlement, bool OtherHospital, bool WithReason, bool SettlementKey, int KeyIndex) : ModelStep;

/// <summary>Send an earlier reversal request again with its key.</summary>
public sealed record RetryReverse(int Attempt) : ModelStep;

/// <summary>Reversal by request (冲正) of a settlement attempt's key, of a key nothing has come under yet, or of a reversal's key.</summary>
public sealed record ReverseByRequest(ReversalByRequestTarget Target, int Index, int Hospital) : ModelStep;

public enum ReversalByRequestTarget
{
    SettlementAttemptKey,
    UnusedKey,
    ReversalKey,
}

/// <summary>Staff top up a fund (year 0 = 2025 / 1 = 2026).</summary>
public sealed record TopUp(int Year, Channel Channel, long Fen) : ModelStep;

/// <summary>Staff run the year's premium-subsidy payments (资助参保).</summary>
public sealed record SubsidyRun(int Year) : ModelStep;

/// <summary>A run's starting point: three patients' categories and the funds of both years, then its steps.</summary>
public sealed record ModelScenario(string[] Categories, ChannelAmounts Funds2025, ChannelAmounts Funds2026, ModelStep[] Steps)
{
    public override string ToString() =>
        $"patients [{string.Join(", ", Categories)}]; funds 2025 {Describe(Funds2025)}; funds 2026 {Describe(Funds2026)}; "
        + $"{Steps.Length} steps:{Environment.NewLine}"
        + string.Join(Environment.NewLine, Steps.Select((step, index) => $"  {index + 1}. {step}"));

    private static string Describe(ChannelAmounts funds) =>
        $"(subsidy {funds.InsuranceSubsidy}, outpatient {funds.Outpatient}, inpatient {funds.Inpatient}, temporary {funds.Temporary}, charity {funds.Charity})";
}

/// <summary>
/// Generators for model-based runs: a small population (three patients, some with premium subsidies and deductibles),
/// funds near exhaustion and bills near the caps, so that caps, deductibles, empty funds and once-a-year subsidies
/// meet within a few steps.
/// </summary>
public static class ModelGenerators
{
    private static readonly string[] AllCategories = [.. DemoPolicy.Categories.Select(category => category.Code)];

    private static Gen<long> Yuan(int min, int max) => Gen.Long[min * 100L, max * 100L];

    private static Gen<long> FundFen(int typical) => Gen.Frequency(
        (2, Gen.Const(0L)),
        (5, Yuan(0, typical)),
        (2, Yuan(typical, typical * 5)));

    private static readonly Gen<ChannelAmounts> Funds =
        Gen.Select(FundFen(600), FundFen(3_000), FundFen(60_000), FundFen(1_000), FundFen(2_000),
            (subsidy, outpatient, inpatient, temporary, charity) => new ChannelAmounts(
                new Money(subsidy), new Money(outpatient), new Money(inpatient), new Money(temporary), new Money(charity)));

    private static readonly Gen<ModelBill> Bill = Gen.Select(
        Gen.Frequency((3, Yuan(0, 1_500)), (4, Yuan(1_000, 12_000)), (3, Yuan(10_000, 150_000)), (1, Gen.Long[0, 999])),
        Gen.OneOf(100, 100, 90, 75, 50, 0),
        Gen.OneOf(0, 0, 10, 30, 50, 90, 100),
        (total, scope, insurance) => new ModelBill(total, scope, insurance));

    private static readonly Gen<VisitType> Type = Gen.OneOf(VisitType.Inpatient, VisitType.Outpatient);

    private static readonly Gen<ModelStep> Settle =
        Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], Gen.Int[0, 3], Type, Gen.Frequency((1, Gen.Const(0)), (3, Gen.Const(1))), Gen.Int[0, 364], Bill,
            Gen.Frequency((12, Gen.Const(KeyChoice.Fresh)), (2, Gen.Const(KeyChoice.Voided)), (1, Gen.Const(KeyChoice.ReversalKey))),
            Gen.Int[0, 20], Gen.Frequency((19, Gen.Const(false)), (1, Gen.Const(true))),
            (hospital, patient, visit, type, year, day, bill, key, keyIndex, wrongName) =>
                (ModelStep)new Settle(hospital, patient, visit, type, year, day, bill, key, keyIndex, wrongName));

    private static readonly Gen<ModelStep> Step = Gen.Frequency(
        (10, Settle),
        (4, Gen.Select(Gen.Int[0, 20], Gen.Bool, (attempt, reformatted) => (ModelStep)new RetrySettle(attempt, reformatted))),
        (1, Gen.Int[0, 20].Select(attempt => (ModelStep)new RetrySettleChanged(attempt))),
        (1, Gen.Select(Gen.Int[0, 2], Gen.Int[0, 2], Type, Gen.Int[0, 1], Gen.Int[0, 364], Bill,
            (hospital, patient, type, year, day, bill) => (ModelStep)new Preview(hospital, patient, type, year, day, bill))),
        (4, Gen.Select(Gen.Int[0, 20], Gen.Frequency((6, Gen.Const(false)), (1, Gen.Const(true))), Gen.Bool,
            Gen.Frequency((8, Gen.Const(false)), (1, Gen.Const(true))), Gen.Int[0, 20],
            (settlement, other, reason, settlementKey, keyIndex) => (ModelStep)new Reverse(settlement, other, reason, settlementKey, keyIndex))),
        (2, Gen.Int[0, 20].Select(attempt => (ModelStep)new RetryReverse(attempt))),
        (3, Gen.Select(Gen.Frequency((4, Gen.Const(ReversalByRequestTarget.SettlementAttemptKey)), (3, Gen.Const(ReversalByRequestTarget.UnusedKey)), (1, Gen.Const(ReversalByRequestTarget.ReversalKey))),
            Gen.Int[0, 20], Gen.Int[0, 2],
            (target, index, hospital) => (ModelStep)new ReverseByRequest(target, index, hospital))),
        (2, Gen.Select(Gen.Int[0, 1], Gen.Enum<Channel>(), Gen.Frequency((3, Yuan(1, 2_000)), (1, Gen.Long[1, 999])),
            (year, channel, fen) => (ModelStep)new TopUp(year, channel, fen))),
        (1, Gen.Int[0, 1].Select(year => (ModelStep)new SubsidyRun(year))));

    public static Gen<ModelScenario> Scenario { get; } = Gen.Select(
        Gen.OneOf(AllCategories).Array[3],
        Funds,
        Funds,
        Step.Array[1, 30],
        (categories, funds2025, funds2026, steps) => new ModelScenario(categories, funds2025, funds2026, steps));
}
