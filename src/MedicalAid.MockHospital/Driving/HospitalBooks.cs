using MedicalAid.Contracts;

namespace MedicalAid.MockHospital.Driving;

/// <summary>
/// A hospital's own record of what MedicalAid answered it: every settlement and reversal, by settlement id. From it the
/// hospital computes the day's totals (对总账) and the detail list (对明细账) it reconciles with, taking day boundaries in
/// <see cref="Zone"/> as MedicalAid does: a settlement counts on the day it was made, a reversal on the day it was made.
/// </summary>
internal sealed class HospitalBooks(string hospitalCode, TimeZoneInfo zone)
{
    private readonly Lock gate = new();
    private readonly Dictionary<Guid, SettlementResponse> settlements = [];
    private readonly Dictionary<Guid, ReversalResponse> reversals = [];

    public string HospitalCode { get; } = hospitalCode;

    public TimeZoneInfo Zone { get; } = zone;

    /// <summary>Records a settlement; a replay of one already recorded changes nothing.</summary>
    public void Record(SettlementResponse settlement)
    {
        ArgumentNullException.ThrowIfNull(settlement);
        lock (gate)
        {
            settlements.TryAdd(settlement.SettlementId, settlement);
        }
    }

    public void Record(ReversalResponse reversal)
    {
        ArgumentNullException.ThrowIfNull(reversal);
        lock (gate)
        {
            reversals.TryAdd(reversal.SettlementId, reversal);
        }
    }

    public int SettlementCount
    {
        get
        {
            lock (gate)
            {
                return settlements.Count;
            }
        }
    }

    public int ReversalCount
    {
        get
        {
            lock (gate)
            {
                return reversals.Count;
            }
        }
    }

    /// <summary>Every day on which this hospital made a settlement or a reversal, in order.</summary>
    public IReadOnlyList<DateOnly> Days()
    {
        lock (gate)
        {
            return settlements.Values.Select(settlement => DayOf(settlement.SettledAt))
                .Concat(reversals.Values.Select(reversal => DayOf(reversal.ReversedAt)))
                .Distinct()
                .Order()
                .ToArray();
        }
    }

    /// <summary>The day's totals as this hospital's books show them.</summary>
    public HospitalDailyTotals DailyTotals(DateOnly day)
    {
        lock (gate)
        {
            var settled = settlements.Values.Where(settlement => DayOf(settlement.SettledAt) == day).ToArray();
            var reversed = reversals.Values.Where(reversal => DayOf(reversal.ReversedAt) == day).ToArray();
            return new HospitalDailyTotals
            {
                Date = day,
                Settlements = Totals(
                    settled.Length,
                    settled.Sum(settlement => settlement.FundsSettled),
                    settled.SelectMany(settlement => settlement.Channels.Select(channel => (channel.Channel, channel.Amount)))),
                Reversals = Totals(
                    reversed.Length,
                    reversed.Sum(reversal => reversal.FundsRestored),
                    reversed.SelectMany(reversal => reversal.Channels.Select(channel => (channel.Channel, channel.Amount)))),
            };
        }
    }

    /// <summary>The settlements made on the day, each with its status now (reversed, if this hospital reversed it).</summary>
    public IReadOnlyList<DetailItem> DetailItems(DateOnly day)
    {
        lock (gate)
        {
            return settlements.Values
                .Where(settlement => DayOf(settlement.SettledAt) == day)
                .OrderBy(settlement => settlement.SettledAt)
                .ThenBy(settlement => settlement.VisitNumber, StringComparer.Ordinal)
                .Select(settlement => new DetailItem
                {
                    SettlementId = settlement.SettlementId,
                    VisitNumber = settlement.VisitNumber,
                    Status = reversals.ContainsKey(settlement.SettlementId) ? SettlementStatus.Reversed : SettlementStatus.Settled,
                    FundsSettled = settlement.FundsSettled,
                    PatientPays = settlement.PatientPays,
                })
                .ToArray();
        }
    }

    /// <summary>Sums per channel of every settlement made (reversed ones included), minus the reversals, over all days.</summary>
    public IReadOnlyDictionary<AssistanceChannel, (decimal Settled, decimal Reversed)> ChannelSums()
    {
        lock (gate)
        {
            return Enum.GetValues<AssistanceChannel>().ToDictionary(
                channel => channel,
                channel => (
                    settlements.Values.Sum(settlement => settlement.Channels.Where(outcome => outcome.Channel == channel).Sum(outcome => outcome.Amount)),
                    reversals.Values.Sum(reversal => reversal.Channels.Where(refund => refund.Channel == channel).Sum(refund => refund.Amount))));
        }
    }

    private DateOnly DayOf(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    private static MovementTotals Totals(int count, decimal fundsSettled, IEnumerable<(AssistanceChannel Channel, decimal Amount)> amounts)
    {
        var byChannel = amounts.ToLookup(amount => amount.Channel, amount => amount.Amount);
        return new MovementTotals
        {
            Count = count,
            FundsSettled = fundsSettled,
            Channels = Enum.GetValues<AssistanceChannel>()
                .Select(channel => new ChannelAmount { Channel = channel, Amount = byChannel[channel].Sum() })
                .ToArray(),
        };
    }
}
