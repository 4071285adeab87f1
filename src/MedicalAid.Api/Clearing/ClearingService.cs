using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using MedicalAid.Api.Audit;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Clearing;

/// <summary>
/// Monthly clearing (清算). A month is the half-open range of UTC instants between local midnights of the 1st in the
/// scheme's time zone. A settlement counts in the month it was made (SettledAt); a reversal in the month it was made
/// (ReversedAt), with the amounts of the settlement it negates, whatever month that was. Only ended months are cleared,
/// so nothing can be added to a month after its statements are issued.
/// </summary>
public sealed class ClearingService(MedicalAidDbContext db, TransactionRunner transactions, ServiceCalendar calendar, AuditTrail audit)
{
    public const string AuditEntityType = "clearing-statement";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static bool TryParseMonth(string? text, out DateOnly firstDay) =>
        DateOnly.TryParseExact((text ?? "") + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out firstDay)
        && text!.Length == 7;

    public static string MonthText(DateOnly firstDay) => firstDay.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The first day of the current month in the scheme's time zone.</summary>
    public DateOnly CurrentMonth()
    {
        var today = calendar.Today();
        return new DateOnly(today.Year, today.Month, 1);
    }

    /// <summary>
    /// The first month anything can have been settled in: that of the first policy version or of the first fund year,
    /// whichever is earlier; null when there is neither. Clearing a month before it would issue empty statements for a
    /// time the scheme did not exist (such as 0001-01).
    /// </summary>
    public async Task<DateOnly?> FirstClearableMonthAsync(CancellationToken cancellationToken)
    {
        var firstPolicy = await db.PolicyVersions.AsNoTracking().MinAsync(policy => (DateOnly?)policy.EffectiveFrom, cancellationToken);
        var firstFundYear = await db.Funds.AsNoTracking().MinAsync(fund => (int?)fund.Year, cancellationToken);
        DateOnly?[] starts = [firstPolicy is { } policy ? new DateOnly(policy.Year, policy.Month, 1) : null, firstFundYear is { } year ? new DateOnly(year, 1, 1) : null];
        return starts.Where(start => start is not null).Min();
    }

    /// <summary>
    /// Issues one statement per active hospital that has none for the month yet, each with its outbox message, in one
    /// transaction, with an audit entry for the run and one for each statement. A concurrent run of the same month hits
    /// the unique index and is retried, then finds the statements.
    /// </summary>
    public async Task<(int Created, IReadOnlyList<ClearingStatement> Statements)> RunAsync(DateOnly month, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var monthText = MonthText(month);
        var start = StartOf(month);
        var end = StartOf(month.AddMonths(1));

        // The month has ended: its settlements and reversals no longer change, so they are summed outside the transaction.
        var settled = await db.Settlements.AsNoTracking()
            .Where(settlement => settlement.SettledAt >= start && settlement.SettledAt < end)
            .Select(settlement => new AmountRow(settlement.HospitalId, settlement.InsuranceSubsidy, settlement.Outpatient, settlement.Inpatient, settlement.Temporary, settlement.Charity))
            .ToListAsync(cancellationToken);
        var reversed = await db.SettlementReversals.AsNoTracking()
            .Where(reversal => reversal.ReversedAt >= start && reversal.ReversedAt < end)
            .Join(db.Settlements.AsNoTracking(), reversal => reversal.SettlementId, settlement => settlement.Id, (_, settlement) => settlement)
            .Select(settlement => new AmountRow(settlement.HospitalId, settlement.InsuranceSubsidy, settlement.Outpatient, settlement.Inpatient, settlement.Temporary, settlement.Charity))
            .ToListAsync(cancellationToken);
        var settledBy = Sum(settled);
        var reversedBy = Sum(reversed);

        return await transactions.RunAsync(
            async token =>
            {
                var existing = await db.ClearingStatements.Where(statement => statement.Month == monthText).ToListAsync(token);
                var have = existing.Select(statement => statement.HospitalId).ToHashSet();
                var hospitals = await db.Hospitals.AsNoTracking()
                    .Where(hospital => hospital.IsActive)
                    .OrderBy(hospital => hospital.Code)
                    .Select(hospital => new { hospital.Id, hospital.Code })
                    .ToListAsync(token);
                var now = calendar.Now();
                var created = new List<ClearingStatement>();
                foreach (var hospital in hospitals.Where(hospital => !have.Contains(hospital.Id)))
                {
                    var plus = settledBy.GetValueOrDefault(hospital.Id);
                    var minus = reversedBy.GetValueOrDefault(hospital.Id);
                    var owed = plus.Channels - minus.Channels;
                    var statement = new ClearingStatement
                    {
                        Id = Guid.CreateVersion7(now),
                        HospitalId = hospital.Id,
                        HospitalCode = hospital.Code,
                        Month = monthText,
                        SettlementCount = plus.Count,
                        ReversalCount = minus.Count,
                        InsuranceSubsidy = owed.InsuranceSubsidy,
                        Outpatient = owed.Outpatient,
                        Inpatient = owed.Inpatient,
                        Temporary = owed.Temporary,
                        Charity = owed.Charity,
                        Total = owed.InsuranceSubsidy + owed.Outpatient + owed.Inpatient + owed.Temporary + owed.Charity,
                        Status = ClearingState.Issued,
                        IssuedAt = now,
                    };
                    created.Add(statement);
                    db.ClearingStatements.Add(statement);
                    db.OutboxMessages.Add(new OutboxMessage
                    {
                        Id = Guid.CreateVersion7(now),
                        Kind = OutboxMessage.ClearingStatementKind,
                        Payload = JsonSerializer.Serialize(ToNotice(statement), Json),
                        HospitalId = hospital.Id,
                        SubjectId = statement.Id,
                        DeliveryId = $"clearing-{statement.Id:N}",
                        NextAttemptAt = now,
                        CreatedAt = now,
                    });
                }

                if (created.Count > 0)
                {
                    foreach (var statement in created)
                    {
                        audit.Record(user, "clearing-statement.issued", AuditEntityType, statement.Id.ToString(), null, ToResponse(statement, null, 0));
                    }

                    audit.Record(user, "clearing-run.issued", "clearing-run", monthText, null, new
                    {
                        Month = monthText,
                        Created = created.Count,
                        Statements = created.Select(statement => new { statement.Id, statement.HospitalCode, TotalOwed = statement.Total.ToYuan() }).ToArray(),
                    });
                }

                await db.SaveChangesAsync(token);
                IReadOnlyList<ClearingStatement> all = [.. existing.Concat(created).OrderBy(statement => statement.HospitalCode, StringComparer.Ordinal)];
                return (created.Count, all);
            },
            cancellationToken);
    }

    /// <summary>Staff view: each statement with the state of its delivery.</summary>
    public async Task<IReadOnlyList<ClearingStatementResponse>> DescribeAsync(IReadOnlyList<ClearingStatement> statements, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var ids = statements.Select(statement => statement.Id).ToArray();
        var deliveries = (await db.OutboxMessages.AsNoTracking()
                .Where(message => ids.Contains(message.SubjectId))
                .Select(message => new { message.SubjectId, message.DeliveredAt, message.Attempts })
                .ToListAsync(cancellationToken))
            .ToDictionary(message => message.SubjectId);
        return statements
            .Select(statement => deliveries.TryGetValue(statement.Id, out var delivery)
                ? ToResponse(statement, delivery.DeliveredAt, delivery.Attempts)
                : ToResponse(statement, null, 0))
            .ToArray();
    }

    public static ClearingStatementNotice ToNotice(ClearingStatement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return new ClearingStatementNotice
        {
            StatementId = statement.Id,
            HospitalCode = statement.HospitalCode,
            Month = statement.Month,
            SettlementCount = statement.SettlementCount,
            ReversalCount = statement.ReversalCount,
            Channels = ChannelList(statement.Owed),
            TotalOwed = statement.Total.ToYuan(),
            IssuedAt = statement.IssuedAt,
            AcknowledgementPath = $"/api/v1/clearing-statements/{statement.Id}/acknowledgement",
        };
    }

    public static ClearingStatementResponse ToResponse(ClearingStatement statement, DateTimeOffset? deliveredAt, int attempts)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return new ClearingStatementResponse
        {
            StatementId = statement.Id,
            HospitalCode = statement.HospitalCode,
            Month = statement.Month,
            SettlementCount = statement.SettlementCount,
            ReversalCount = statement.ReversalCount,
            Channels = ChannelList(statement.Owed),
            TotalOwed = statement.Total.ToYuan(),
            Status = ToWire(statement.Status),
            IssuedAt = statement.IssuedAt,
            AcknowledgedAt = statement.AcknowledgedAt,
            PaidAt = statement.PaidAt,
            DeliveredAt = deliveredAt,
            DeliveryAttempts = attempts,
        };
    }

    public static ClearingStatementStatus ToWire(ClearingState state) => state switch
    {
        ClearingState.Issued => ClearingStatementStatus.Issued,
        ClearingState.Acknowledged => ClearingStatementStatus.Acknowledged,
        _ => ClearingStatementStatus.Paid,
    };

    private static ChannelAmount[] ChannelList(ChannelAmounts amounts) =>
        Channels.InSettlementOrder
            .Select(channel => new ChannelAmount { Channel = SettlementMapping.ToWire(channel), Amount = amounts[channel].ToYuan() })
            .ToArray();

    private static Dictionary<int, (int Count, ChannelAmounts Channels)> Sum(List<AmountRow> rows)
    {
        var sums = new Dictionary<int, (int Count, ChannelAmounts Channels)>();
        foreach (var row in rows)
        {
            var sum = sums.GetValueOrDefault(row.HospitalId);
            sums[row.HospitalId] = (checked(sum.Count + 1), sum.Channels + new ChannelAmounts(row.InsuranceSubsidy, row.Outpatient, row.Inpatient, row.Temporary, row.Charity));
        }

        return sums;
    }

    /// <summary>The UTC instant of local midnight starting <paramref name="date"/> (or the first valid local time after it).</summary>
    private DateTimeOffset StartOf(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (calendar.Zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, calendar.Zone), TimeSpan.Zero);
    }

    private sealed record AmountRow(int HospitalId, Money InsuranceSubsidy, Money Outpatient, Money Inpatient, Money Temporary, Money Charity);
}
