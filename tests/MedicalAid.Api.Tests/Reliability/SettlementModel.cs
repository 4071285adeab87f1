using System.Globalization;
using MedicalAid.Engine;

namespace MedicalAid.Api.Tests.Reliability;

/// <summary>A visit as the model sends it: which hospital and patient, the visit number, dates and bill.</summary>
public sealed record ModelVisit(int Hospital, int Patient, string VisitNumber, VisitType Type, DateOnly ServiceDate, Bill Bill, bool WrongName)
{
    public string NormalizedVisitNumber => VisitNumber.Trim().ToUpperInvariant();

    public int Year => ServiceDate.Year;

    /// <summary>Two sends are the same request exactly when these agree: the service fingerprints the normalised request.</summary>
    public string Canonical => string.Join('|',
        NormalizedVisitNumber, Type, Patient, WrongName, ServiceDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        Bill.Total.Fen, Bill.PolicyScope.Fen, Bill.BasicInsurancePaid.Fen);
}

public sealed record SettleAttempt(int Hospital, string Key, ModelVisit Visit);

public sealed record ReverseAttempt(int Hospital, string Key, Guid SettlementId, string? Reason);

public enum KeyUse
{
    Settlement,
    Reversal,
    Voided,
}

/// <summary>What the service must remember under a hospital's key: the request it answered and the answer.</summary>
public sealed record KeyRecord(KeyUse Use, string Request, int Status, string Body);

public sealed class ModelSettlement(Guid id, SettleAttempt attempt, string category, SettlementResult result)
{
    public Guid Id { get; } = id;

    public int Hospital => Attempt.Hospital;

    public SettleAttempt Attempt { get; } = attempt;

    public string Category { get; } = category;

    public SettlementResult Result { get; } = result;

    public Guid? ReversalId { get; set; }

    public string? ReversalReason { get; set; }

    public bool IsReversed => ReversalId is not null;
}

/// <summary>
/// The model: plain state that says what the service must answer and hold. It uses the pure engine
/// (<see cref="SettlementCalculator"/>) for the amounts of a settlement from its own balances and usage, and never
/// reads the database.
/// </summary>
public sealed class SettlementModel(IReadOnlyList<string> categories, IReadOnlyDictionary<int, ChannelAmounts> funds, IReadOnlyDictionary<int, int> othersEligibleForSubsidy)
{
    public const int FirstYear = 2025;

    public static IReadOnlyList<int> Years { get; } = [2025, 2026];

    public IReadOnlyList<string> Categories { get; } = categories;

    public Dictionary<int, ChannelAmounts> Funds { get; } = new(funds);

    /// <summary>Beneficiaries outside this run who are eligible for the premium subsidy and already paid (the run's set-up paid them).</summary>
    public IReadOnlyDictionary<int, int> OthersEligibleForSubsidy { get; } = othersEligibleForSubsidy;

    public Dictionary<(int Patient, int Year), YearUsage> Usage { get; } = [];

    public List<ModelSettlement> Settlements { get; } = [];

    public Dictionary<(int Hospital, string Key), KeyRecord> Keys { get; } = [];

    public List<SettleAttempt> SettleAttempts { get; } = [];

    public List<ReverseAttempt> ReverseAttempts { get; } = [];

    /// <summary>Keys voided by a reversal by request before anything arrived under them (the late original's keys).</summary>
    public List<(int Hospital, string Key)> VoidedKeys { get; } = [];

    /// <summary>The (patient, year) usages the last steps changed, to compare with the API; cleared by whoever compares.</summary>
    public HashSet<(int Patient, int Year)> ChangedUsages { get; } = [];

    public YearUsage UsageOf(int patient, int year) => Usage.GetValueOrDefault((patient, year));

    private void ChangeUsage(int patient, int year, YearUsage change)
    {
        Usage[(patient, year)] = UsageOf(patient, year) + change;
        ChangedUsages.Add((patient, year));
    }

    public ModelSettlement? UnreversedSettlementOf(int hospital, string normalizedVisitNumber) =>
        Settlements.FirstOrDefault(settlement => settlement.Hospital == hospital && !settlement.IsReversed
            && settlement.Attempt.Visit.NormalizedVisitNumber == normalizedVisitNumber);

    public SettlementResult Calculate(ModelVisit visit) =>
        SettlementCalculator.Calculate(new SettlementInput(
            visit.Type, ModelHospitals.Level(visit.Hospital), visit.Bill, Categories[visit.Patient], DemoPolicy.Version,
            UsageOf(visit.Patient, visit.Year), Funds[visit.Year]));

    public ModelSettlement RecordSettlement(Guid id, SettleAttempt attempt, SettlementResult result)
    {
        var visit = attempt.Visit;
        var settlement = new ModelSettlement(id, attempt, Categories[visit.Patient], result);
        Settlements.Add(settlement);
        Funds[visit.Year] -= result.FundDebits;
        ChangeUsage(visit.Patient, visit.Year, result.UsageChange);
        return settlement;
    }

    public void RecordReversal(ModelSettlement settlement, Guid reversalId, string? reason)
    {
        var visit = settlement.Attempt.Visit;
        settlement.ReversalId = reversalId;
        settlement.ReversalReason = reason;
        Funds[visit.Year] += settlement.Result.FundDebits;
        ChangeUsage(visit.Patient, visit.Year, -settlement.Result.UsageChange);
    }

    /// <summary>What a subsidy run pays now: each eligible, unpaid patient in registration order, while the fund lasts.</summary>
    public (int Persons, Money Total, int AlreadyPaid, int Unpaid) RunSubsidy(int year)
    {
        var (persons, total, alreadyPaid, unpaid) = (0, Money.Zero, OthersEligibleForSubsidy[year], 0);
        for (var patient = 0; patient < Categories.Count; patient++)
        {
            var premium = DemoPolicy.Version.RuleFor(Categories[patient]).PremiumSubsidy;
            if (!premium.IsPositive)
            {
                continue;
            }

            if (UsageOf(patient, year).InsuranceSubsidyPaid)
            {
                alreadyPaid++;
                continue;
            }

            var amount = Money.Min(premium, Funds[year].InsuranceSubsidy);
            if (!amount.IsPositive)
            {
                unpaid++;
                continue;
            }

            Funds[year] -= ChannelAmounts.Zero with { InsuranceSubsidy = amount };
            ChangeUsage(patient, year, YearUsage.None with { InsuranceSubsidy = amount });
            persons++;
            total += amount;
        }

        return (persons, total, alreadyPaid, unpaid);
    }
}

/// <summary>The demo hospitals as the model knows them (docs/design.md §4).</summary>
public static class ModelHospitals
{
    public static int Count => Demo.DemoSeeder.Hospitals.Count;

    public static string ApiKey(int hospital) => Demo.DemoSeeder.Hospitals[hospital].ApiKey;

    public static string Code(int hospital) => Demo.DemoSeeder.Hospitals[hospital].Code;

    public static HospitalLevel Level(int hospital) => Demo.DemoSeeder.Hospitals[hospital].Level;
}
