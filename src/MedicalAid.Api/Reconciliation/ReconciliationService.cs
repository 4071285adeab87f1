using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Reconciliation;

/// <summary>
/// A hospital's day as we recorded it (对总账, 对明细账). The day is 00:00 to 24:00 in the scheme's time zone, queried as
/// the half-open range of UTC instants [start, end) so that the database returns only that hospital's rows of that day.
/// </summary>
public sealed class ReconciliationService(MedicalAidDbContext db, ServiceCalendar calendar)
{
    /// <summary>The UTC instants at which the local <paramref name="date"/> starts and the next day starts.</summary>
    public (DateTimeOffset Start, DateTimeOffset End) DayBounds(DateOnly date) =>
        (StartOf(date), StartOf(date.AddDays(1)));

    /// <summary>Settlements made and reversals made on the local day, and the net, all five channels in settlement order.</summary>
    public async Task<DailyTotals> DailyTotalsAsync(HospitalCaller hospital, DateOnly date, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        var (start, end) = DayBounds(date);
        var settled = db.Settlements.AsNoTracking()
            .Where(settlement => settlement.HospitalId == hospital.Id && settlement.SettledAt >= start && settlement.SettledAt < end);

        // A reversal counts on the day it was made, with the amounts of the settlement it negates, whatever day that was.
        var reversed = db.SettlementReversals.AsNoTracking()
            .Where(reversal => reversal.HospitalId == hospital.Id && reversal.ReversedAt >= start && reversal.ReversedAt < end)
            .Join(db.Settlements.AsNoTracking(), reversal => reversal.SettlementId, settlement => settlement.Id, (_, settlement) => settlement)
            .Where(settlement => settlement.HospitalId == hospital.Id);

        var settlements = await SumAsync(settled, cancellationToken);
        var reversals = await SumAsync(reversed, cancellationToken);
        return ReconciliationMapping.ToWire(hospital.Code, date, settlements, reversals);
    }

    public async Task<DailyReconciliationResult> ReconcileDailyAsync(HospitalCaller hospital, HospitalDailyTotals theirs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(theirs);
        var ours = await DailyTotalsAsync(hospital, theirs.Date, cancellationToken);
        var differences = ReconciliationMapping.Differences(ours, theirs);
        return new DailyReconciliationResult
        {
            Date = theirs.Date,
            Status = differences.Count == 0 ? ReconciliationStatus.Matched : ReconciliationStatus.Mismatched,
            Ours = ours,
            Differences = differences,
        };
    }

    /// <summary>
    /// Their list against our settlements of this hospital made that day, by settlement id. An id we have not got for this
    /// hospital on that day is missing on our side, and nothing of ours is told about it: not even whether it exists.
    /// </summary>
    public async Task<DetailReconciliationResult> ReconcileDetailAsync(HospitalCaller hospital, DetailReconciliationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        ArgumentNullException.ThrowIfNull(request);
        var (start, end) = DayBounds(request.Date);
        var rows = await db.Settlements.AsNoTracking()
            .Where(settlement => settlement.HospitalId == hospital.Id && settlement.SettledAt >= start && settlement.SettledAt < end)
            .OrderBy(settlement => settlement.SettledAt)
            .ThenBy(settlement => settlement.Id)
            .Select(settlement => new { settlement.Id, settlement.VisitNumber, settlement.Status, settlement.FundsSettled, settlement.PatientPays })
            .ToListAsync(cancellationToken);
        var ours = rows
            .Select(row => ReconciliationMapping.ToDetailItem(row.Id, row.VisitNumber, row.Status, row.FundsSettled, row.PatientPays))
            .ToList();
        var oursById = ours.ToDictionary(item => item.SettlementId);
        var theirIds = request.Items.Select(item => item.SettlementId).ToHashSet();

        var results = new List<DetailItemResult>();
        var matched = 0;
        foreach (var theirs in request.Items)
        {
            if (!oursById.TryGetValue(theirs.SettlementId, out var our))
            {
                results.Add(new DetailItemResult { SettlementId = theirs.SettlementId, VisitNumber = theirs.VisitNumber, Match = DetailMatch.MissingOnOurSide, Theirs = theirs });
            }
            else if (ReconciliationMapping.Agrees(our, theirs))
            {
                matched++;
            }
            else
            {
                results.Add(new DetailItemResult { SettlementId = our.SettlementId, VisitNumber = our.VisitNumber, Match = DetailMatch.AmountsDiffer, Ours = our, Theirs = theirs });
            }
        }

        results.AddRange(ours
            .Where(our => !theirIds.Contains(our.SettlementId))
            .Select(our => new DetailItemResult { SettlementId = our.SettlementId, VisitNumber = our.VisitNumber, Match = DetailMatch.MissingOnTheirSide, Ours = our }));

        return new DetailReconciliationResult
        {
            Date = request.Date,
            Status = results.Count == 0 ? ReconciliationStatus.Matched : ReconciliationStatus.Mismatched,
            Matched = matched,
            Items = results,
        };
    }

    /// <summary>
    /// Counts and sums the day's settlements. The database filters to this hospital's day and returns only the six
    /// amounts of each row; they are added up here in checked fen. (Summing in SQL would need the amounts read as plain
    /// integers, but EF Core reads an aggregate of a converted <see cref="Money"/> column back through its converter.)
    /// </summary>
    private static async Task<Movement> SumAsync(IQueryable<Settlement> settlements, CancellationToken cancellationToken)
    {
        var rows = await settlements
            .Select(settlement => new { settlement.FundsSettled, settlement.InsuranceSubsidy, settlement.Outpatient, settlement.Inpatient, settlement.Temporary, settlement.Charity })
            .ToListAsync(cancellationToken);
        var total = Movement.None;
        foreach (var row in rows)
        {
            total = new Movement(
                checked(total.Count + 1),
                total.FundsSettled + row.FundsSettled,
                total.Channels + new ChannelAmounts(row.InsuranceSubsidy, row.Outpatient, row.Inpatient, row.Temporary, row.Charity));
        }

        return total;
    }

    /// <summary>The UTC instant of local midnight starting <paramref name="date"/> (or the first valid local time after it, in a zone whose clocks skip midnight).</summary>
    private DateTimeOffset StartOf(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (calendar.Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, calendar.Zone), TimeSpan.Zero);
    }
}
