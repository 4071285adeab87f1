using MedicalAid.Api.Settlements;
using MedicalAid.Contracts;
using MedicalAid.Engine;

namespace MedicalAid.Api.Reconciliation;

/// <summary>Counts and sums of one kind of record on one day, in fen.</summary>
public readonly record struct Movement(int Count, Money FundsSettled, ChannelAmounts Channels)
{
    public static Movement None => default;

    public static Movement operator -(Movement left, Movement right) =>
        new(checked(left.Count - right.Count), left.FundsSettled - right.FundsSettled, left.Channels - right.Channels);

    public Movement Subtract(Movement other) => this - other;
}

/// <summary>Reconciliation figures to wire types, and the comparison of a hospital's figures with ours.</summary>
public static class ReconciliationMapping
{
    /// <summary>The channel's name on the wire, as used in <see cref="FigureDifference.Field"/> paths.</summary>
    public static string FieldName(AssistanceChannel channel) => channel switch
    {
        AssistanceChannel.InsuranceSubsidy => "insuranceSubsidy",
        AssistanceChannel.Outpatient => "outpatient",
        AssistanceChannel.Inpatient => "inpatient",
        AssistanceChannel.Temporary => "temporary",
        AssistanceChannel.Charity => "charity",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Unknown channel."),
    };

    public static MovementTotals ToWire(Movement movement) => new()
    {
        Count = movement.Count,
        FundsSettled = movement.FundsSettled.ToYuan(),
        Channels = Channels.InSettlementOrder
            .Select(channel => new ChannelAmount { Channel = SettlementMapping.ToWire(channel), Amount = movement.Channels[channel].ToYuan() })
            .ToArray(),
    };

    public static DailyTotals ToWire(string hospitalCode, DateOnly date, Movement settlements, Movement reversals) => new()
    {
        HospitalCode = hospitalCode,
        Date = date,
        Settlements = ToWire(settlements),
        Reversals = ToWire(reversals),
        Net = ToWire(settlements - reversals),
    };

    /// <summary>
    /// One difference per figure of <paramref name="theirs"/> that is not ours: counts, funds settled and each of the five
    /// channels (a channel missing from their list counts as 0), settlements first, then reversals.
    /// </summary>
    public static IReadOnlyList<FigureDifference> Differences(DailyTotals ours, HospitalDailyTotals theirs)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(theirs);
        var differences = new List<FigureDifference>();
        Compare("settlements", ours.Settlements, theirs.Settlements, differences);
        Compare("reversals", ours.Reversals, theirs.Reversals, differences);
        return differences;
    }

    public static DetailItem ToDetailItem(Guid settlementId, string visitNumber, SettlementState status, Money fundsSettled, Money patientPays) => new()
    {
        SettlementId = settlementId,
        VisitNumber = visitNumber,
        Status = status == SettlementState.Reversed ? SettlementStatus.Reversed : SettlementStatus.Settled,
        FundsSettled = fundsSettled.ToYuan(),
        PatientPays = patientPays.ToYuan(),
    };

    /// <summary>Whether the hospital's record says what ours says: status, visit number (without regard to case) and both amounts.</summary>
    public static bool Agrees(DetailItem ours, DetailItem theirs)
    {
        ArgumentNullException.ThrowIfNull(ours);
        ArgumentNullException.ThrowIfNull(theirs);
        return ours.Status == theirs.Status
            && string.Equals(ours.VisitNumber, SettlementRules.NormalizeVisitNumber(theirs.VisitNumber), StringComparison.Ordinal)
            && ours.FundsSettled == theirs.FundsSettled
            && ours.PatientPays == theirs.PatientPays;
    }

    private static void Compare(string prefix, MovementTotals ours, MovementTotals theirs, List<FigureDifference> differences)
    {
        Add($"{prefix}.count", ours.Count, theirs.Count, differences);
        Add($"{prefix}.fundsSettled", ours.FundsSettled, theirs.FundsSettled, differences);
        foreach (var channel in ours.Channels)
        {
            var theirAmount = theirs.Channels.FirstOrDefault(candidate => candidate.Channel == channel.Channel)?.Amount ?? 0m;
            Add($"{prefix}.channels.{FieldName(channel.Channel)}", channel.Amount, theirAmount, differences);
        }
    }

    private static void Add(string field, decimal ours, decimal theirs, List<FigureDifference> differences)
    {
        if (ours != theirs)
        {
            differences.Add(new FigureDifference { Field = field, Ours = ours, Theirs = theirs });
        }
    }
}
