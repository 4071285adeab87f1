using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace MedicalAid.Reliability.Tests.Infrastructure;

public sealed record FundRow(int Id, string Channel, int Year, long Balance);

public sealed record LedgerRow(long Id, int FundId, string Channel, int Year, string Kind, long Amount, Guid? SettlementId, Guid? ReversalId, long? BeneficiaryId, string? Note);

public sealed record SettlementRow(
    Guid Id, int HospitalId, string IdempotencyKey, string VisitNumber, string VisitType, long BeneficiaryId, int ServiceYear,
    long Total, long PolicyScope, long BasicInsurancePaid, long CriticalIllnessInsurancePaid, long OtherInsurancePaid,
    long InsuranceSubsidy, long Outpatient, long Inpatient, long Temporary, long Charity, long DeductibleApplied,
    long AssistanceTotal, long FundsSettled, long PatientPays, string Status)
{
    public bool IsSettled => Status == "Settled";

    /// <summary>What the five funds paid, in settlement order (docs/design.md §2).</summary>
    public long[] Channels => [InsuranceSubsidy, Outpatient, Inpatient, Temporary, Charity];

    public long InsurancePaid => BasicInsurancePaid + CriticalIllnessInsurancePaid + OtherInsurancePaid;
}

public sealed record ReversalRow(Guid Id, Guid SettlementId, int HospitalId);

public sealed record IdempotencyRow(int HospitalId, string Key, string Operation, int ResponseStatus, string? ResponseBody, Guid? SettlementId);

public sealed record UsageRow(long BeneficiaryId, int Year, long InsuranceSubsidy, long OutpatientDeductible, long InpatientDeductible, long Outpatient, long Inpatient, long Temporary, long Charity)
{
    public UsageRow Plus(UsageRow other) => this with
    {
        InsuranceSubsidy = InsuranceSubsidy + other.InsuranceSubsidy,
        OutpatientDeductible = OutpatientDeductible + other.OutpatientDeductible,
        InpatientDeductible = InpatientDeductible + other.InpatientDeductible,
        Outpatient = Outpatient + other.Outpatient,
        Inpatient = Inpatient + other.Inpatient,
        Temporary = Temporary + other.Temporary,
        Charity = Charity + other.Charity,
    };
}

public sealed record SubsidyPaymentRow(long BeneficiaryId, int Year, long Amount, Guid RunId);

/// <summary>
/// Everything the money invariants are about, read straight from the database in one snapshot with plain SQL — not
/// through the API or its EF Core model, so that a fault in either cannot hide itself.
/// </summary>
public sealed class DatabaseSnapshot
{
    public static readonly string[] ChannelNames = ["InsuranceSubsidy", "Outpatient", "Inpatient", "Temporary", "Charity"];

    public required IReadOnlyList<FundRow> Funds { get; init; }

    public required IReadOnlyList<LedgerRow> Ledger { get; init; }

    public required IReadOnlyList<SettlementRow> Settlements { get; init; }

    public required IReadOnlyList<ReversalRow> Reversals { get; init; }

    public required IReadOnlyList<IdempotencyRow> IdempotencyRecords { get; init; }

    public required IReadOnlyList<UsageRow> Usages { get; init; }

    public required IReadOnlyList<SubsidyPaymentRow> SubsidyPayments { get; init; }

    /// <summary>Audit entries of top-ups, by fund ("2026/charity").</summary>
    public required IReadOnlyList<string> TopUpAudits { get; init; }

    public required IReadOnlyDictionary<string, int> HospitalIds { get; init; }

    public SettlementRow? SettlementByKey(string hospitalCode, string idempotencyKey)
    {
        var hospitalId = HospitalIds[hospitalCode];
        // Two under one key would be a violation of its own (see Violations); either one serves here.
        return Settlements.FirstOrDefault(settlement => settlement.HospitalId == hospitalId && settlement.IdempotencyKey == idempotencyKey);
    }

    public static async Task<DatabaseSnapshot> ReadAsync(TestDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenReadOnlyAsync(cancellationToken);
        await using var transaction = await database.BeginSnapshotAsync(connection, cancellationToken);

        Task<List<T>> Query<T>(string sql, Func<DbDataReader, T> map) => QueryAsync(connection, transaction, sql, map, cancellationToken);

        var snapshot = new DatabaseSnapshot
        {
            Funds = await Query("""SELECT "Id", "Channel", "Year", "Balance" FROM "Funds" """,
                row => new FundRow(Int(row, 0), row.GetString(1), Int(row, 2), Long(row, 3))),
            Ledger = await Query("""SELECT "Id", "FundId", "Channel", "Year", "Kind", "Amount", "SettlementId", "ReversalId", "BeneficiaryId", "Note" FROM "LedgerEntries" """,
                row => new LedgerRow(Long(row, 0), Int(row, 1), row.GetString(2), Int(row, 3), row.GetString(4), Long(row, 5),
                    NullableGuid(row, 6), NullableGuid(row, 7), row.IsDBNull(8) ? null : Long(row, 8), row.IsDBNull(9) ? null : row.GetString(9))),
            Settlements = await Query(
                """
                SELECT "Id", "HospitalId", "IdempotencyKey", "VisitNumber", "VisitType", "BeneficiaryId", "ServiceYear",
                       "Total", "PolicyScope", "BasicInsurancePaid", "CriticalIllnessInsurancePaid", "OtherInsurancePaid",
                       "InsuranceSubsidy", "Outpatient", "Inpatient", "Temporary", "Charity", "DeductibleApplied",
                       "AssistanceTotal", "FundsSettled", "PatientPays", "Status"
                FROM "Settlements"
                """,
                row => new SettlementRow(Guid(row, 0), Int(row, 1), row.GetString(2), row.GetString(3), row.GetString(4), Long(row, 5), Int(row, 6),
                    Long(row, 7), Long(row, 8), Long(row, 9), Long(row, 10), Long(row, 11),
                    Long(row, 12), Long(row, 13), Long(row, 14), Long(row, 15), Long(row, 16), Long(row, 17),
                    Long(row, 18), Long(row, 19), Long(row, 20), row.GetString(21))),
            Reversals = await Query("""SELECT "Id", "SettlementId", "HospitalId" FROM "SettlementReversals" """,
                row => new ReversalRow(Guid(row, 0), Guid(row, 1), Int(row, 2))),
            IdempotencyRecords = await Query("""SELECT "HospitalId", "Key", "Operation", "ResponseStatus", "ResponseBody", "SettlementId" FROM "IdempotencyRecords" """,
                row => new IdempotencyRow(Int(row, 0), row.GetString(1), row.GetString(2), Int(row, 3), row.IsDBNull(4) ? null : row.GetString(4), NullableGuid(row, 5))),
            Usages = await Query(
                """
                SELECT "BeneficiaryId", "Year", "InsuranceSubsidy", "OutpatientDeductible", "InpatientDeductible", "Outpatient", "Inpatient", "Temporary", "Charity"
                FROM "BeneficiaryYearUsages"
                """,
                row => new UsageRow(Long(row, 0), Int(row, 1), Long(row, 2), Long(row, 3), Long(row, 4), Long(row, 5), Long(row, 6), Long(row, 7), Long(row, 8))),
            SubsidyPayments = await Query("""SELECT "BeneficiaryId", "Year", "Amount", "RunId" FROM "PremiumSubsidyPayments" """,
                row => new SubsidyPaymentRow(Long(row, 0), Int(row, 1), Long(row, 2), Guid(row, 3))),
            TopUpAudits = await Query("""SELECT "EntityId" FROM "AuditEntries" WHERE "Action" = 'fund.topped-up'""", row => row.GetString(0)),
            HospitalIds = (await Query("""SELECT "Code", "Id" FROM "Hospitals" """, row => (Code: row.GetString(0), Id: Int(row, 1))))
                .ToDictionary(hospital => hospital.Code, hospital => hospital.Id, StringComparer.Ordinal),
        };
        await transaction.RollbackAsync(cancellationToken);
        return snapshot;
    }

    /// <summary>
    /// Every violation of docs/design.md §6 and of "nothing half-written" in this snapshot; empty when all hold. Settlements are
    /// whole (their ledger debits, idempotency record, reversal and credits all there, or the settlement absent), every
    /// ledger row belongs to something, balances equal their ledgers and are never negative, usage equals the
    /// unreversed settlements plus subsidy-run payments and stays within the demo caps.
    /// </summary>
    public IReadOnlyList<string> Violations()
    {
        var problems = new List<string>();
        var fundsById = Funds.ToDictionary(fund => fund.Id);
        var settlementsById = Settlements.ToDictionary(settlement => settlement.Id);
        var reversalsBySettlement = Reversals.GroupBy(reversal => reversal.SettlementId).ToDictionary(group => group.Key, group => group.ToList());
        var reversalsById = Reversals.ToDictionary(reversal => reversal.Id);
        var ledgerBySettlement = Ledger.Where(entry => entry.SettlementId is not null).ToLookup(entry => entry.SettlementId!.Value);

        // Funds: balance = opening + ledger, never below zero.
        foreach (var fund in Funds)
        {
            var ledgerSum = Ledger.Where(entry => entry.FundId == fund.Id).Sum(entry => entry.Amount);
            Check(fund.Balance == ledgerSum, $"fund {fund.Year}/{fund.Channel}: balance {fund.Balance} fen but its ledger sums to {ledgerSum}");
            Check(fund.Balance >= 0, $"fund {fund.Year}/{fund.Channel} is below zero: {fund.Balance}");
        }

        // Settlements: identity, visit-type rule, whole ledger, whole reversal, idempotency record.
        var idempotencyByKey = IdempotencyRecords.ToDictionary(record => (record.HospitalId, record.Key));
        foreach (var s in Settlements)
        {
            var name = $"settlement {s.Id} ({s.VisitNumber})";
            Check(s.Total == s.InsurancePaid + s.Outpatient + s.Inpatient + s.Temporary + s.Charity + s.PatientPays, $"{name}: T ≠ I + A + temporary + charity + P");
            Check(s.AssistanceTotal == s.Outpatient + s.Inpatient + s.Temporary + s.Charity, $"{name}: assistanceTotal is not the sum of its channels");
            Check(s.FundsSettled == s.AssistanceTotal + s.InsuranceSubsidy, $"{name}: fundsSettled ≠ assistanceTotal + insuranceSubsidy");
            Check(s.Channels.All(amount => amount >= 0) && s.PatientPays >= 0 && s.DeductibleApplied >= 0, $"{name}: a negative amount");
            Check(s.VisitType == "Inpatient" ? s.Outpatient == 0 : s.Inpatient == 0, $"{name}: a {s.VisitType} settlement paid the other visit type's channel");

            var entries = ledgerBySettlement[s.Id].ToList();
            var debits = entries.Where(entry => entry.Kind == "SettlementDebit").ToList();
            for (var c = 0; c < ChannelNames.Length; c++)
            {
                var channelDebits = debits.Where(entry => entry.Channel == ChannelNames[c]).ToList();
                var expected = s.Channels[c] == 0 ? 0 : 1;
                Check(channelDebits.Count == expected && channelDebits.All(entry => entry.Amount == -s.Channels[c] && entry.Year == s.ServiceYear),
                    $"{name}: {ChannelNames[c]} paid {s.Channels[c]} fen but its debits are [{string.Join(", ", channelDebits.Select(entry => entry.Amount))}]");
            }

            var reversals = reversalsBySettlement.GetValueOrDefault(s.Id) ?? [];
            var credits = entries.Where(entry => entry.Kind == "ReversalCredit").ToList();
            if (s.IsSettled)
            {
                Check(reversals.Count == 0 && credits.Count == 0, $"{name} is settled but has {reversals.Count} reversal rows and {credits.Count} reversal credits");
            }
            else
            {
                Check(s.Status == "Reversed", $"{name}: unknown status {s.Status}");
                Check(reversals.Count == 1, $"{name} is reversed but has {reversals.Count} reversal rows");
                for (var c = 0; c < ChannelNames.Length; c++)
                {
                    var channelCredits = credits.Where(entry => entry.Channel == ChannelNames[c]).ToList();
                    var expected = s.Channels[c] == 0 ? 0 : 1;
                    Check(channelCredits.Count == expected && channelCredits.All(entry => entry.Amount == s.Channels[c] && reversals.Any(reversal => reversal.Id == entry.ReversalId)),
                        $"{name}: reversed, {ChannelNames[c]} paid {s.Channels[c]} fen but its credits are [{string.Join(", ", channelCredits.Select(entry => entry.Amount))}]");
                }
            }

            if (!idempotencyByKey.TryGetValue((s.HospitalId, s.IdempotencyKey), out var record))
            {
                problems.Add($"{name} has no idempotency record for its key {s.IdempotencyKey}");
            }
            else
            {
                Check(record.Operation == "Settlement" && record.SettlementId == s.Id && record.ResponseStatus == 201,
                    $"{name}: its key's idempotency record is {record.Operation} {record.ResponseStatus} for {record.SettlementId}");
                CheckReplayBody(record, s, name);
            }
        }

        // One settlement per (hospital, key); one unreversed settlement per (hospital, visit).
        foreach (var duplicate in Settlements.GroupBy(s => (s.HospitalId, s.IdempotencyKey)).Where(group => group.Count() > 1))
        {
            problems.Add($"{duplicate.Count()} settlements under one key {duplicate.Key}");
        }

        foreach (var duplicate in Settlements.Where(s => s.IsSettled).GroupBy(s => (s.HospitalId, s.VisitNumber.ToUpperInvariant())).Where(group => group.Count() > 1))
        {
            problems.Add($"{duplicate.Count()} unreversed settlements of one visit {duplicate.Key}");
        }

        // Reversal rows belong to reversed settlements of the same hospital.
        foreach (var reversal in Reversals)
        {
            Check(settlementsById.TryGetValue(reversal.SettlementId, out var settlement) && !settlement.IsSettled && settlement.HospitalId == reversal.HospitalId,
                $"reversal {reversal.Id} points to settlement {reversal.SettlementId}, which is missing, unreversed or of another hospital");
        }

        // Every ledger row belongs to something: an opening balance, an audited top-up, a settlement, a reversal, a subsidy-run payment.
        foreach (var entry in Ledger)
        {
            var name = $"ledger row {entry.Id} ({entry.Kind} {entry.Amount} on {entry.Year}/{entry.Channel})";
            Check(fundsById.TryGetValue(entry.FundId, out var fund) && fund.Channel == entry.Channel && fund.Year == entry.Year, $"{name}: not on its fund");
            switch (entry.Kind)
            {
                case "OpeningBalance" or "TopUp":
                    Check(entry.SettlementId is null && entry.ReversalId is null && entry.Amount > 0, $"{name}: a money-in entry with a settlement or a non-positive amount");
                    break;
                case "SettlementDebit":
                    Check(entry.SettlementId is { } debited && settlementsById.ContainsKey(debited) && entry.ReversalId is null && entry.Amount < 0,
                        $"{name}: a debit of no settlement ({entry.SettlementId})");
                    break;
                case "ReversalCredit":
                    Check(entry.ReversalId is { } reversalId && reversalsById.TryGetValue(reversalId, out var reversal) && reversal.SettlementId == entry.SettlementId && entry.Amount > 0,
                        $"{name}: a credit of no reversal ({entry.ReversalId}) of settlement {entry.SettlementId}");
                    break;
                case "PremiumSubsidy":
                    Check(entry.Channel == "InsuranceSubsidy" && SubsidyPayments.Count(payment => payment.BeneficiaryId == entry.BeneficiaryId && payment.Year == entry.Year
                                                                                               && payment.Amount == -entry.Amount && entry.Note is { } note
                                                                                               && note.Contains(payment.RunId.ToString(), StringComparison.OrdinalIgnoreCase)) == 1,
                        $"{name}: no subsidy-run payment of beneficiary {entry.BeneficiaryId}");
                    break;
                default:
                    problems.Add($"{name}: unknown kind");
                    break;
            }
        }

        foreach (var payment in SubsidyPayments)
        {
            Check(Ledger.Count(entry => entry.Kind == "PremiumSubsidy" && entry.BeneficiaryId == payment.BeneficiaryId && entry.Year == payment.Year && entry.Amount == -payment.Amount) == 1,
                $"subsidy-run payment to beneficiary {payment.BeneficiaryId} for {payment.Year} has no ledger entry");
        }

        // Every top-up on the ledger was audited in its transaction, and every audited top-up is on the ledger.
        var topUpsByFund = Ledger.Where(entry => entry.Kind == "TopUp").GroupBy(entry => $"{entry.Year}/{Wire(entry.Channel)}").ToDictionary(group => group.Key, group => group.Count());
        var auditsByFund = TopUpAudits.GroupBy(id => id).ToDictionary(group => group.Key, group => group.Count());
        foreach (var fund in topUpsByFund.Keys.Union(auditsByFund.Keys))
        {
            Check(topUpsByFund.GetValueOrDefault(fund) == auditsByFund.GetValueOrDefault(fund),
                $"fund {fund}: {topUpsByFund.GetValueOrDefault(fund)} top-ups on the ledger but {auditsByFund.GetValueOrDefault(fund)} in the audit trail");
        }

        // Idempotency records point at what they claim.
        foreach (var record in IdempotencyRecords)
        {
            var name = $"idempotency record {record.HospitalId}/{record.Key} ({record.Operation})";
            switch (record.Operation)
            {
                case "Settlement":
                    Check(record.SettlementId is { } settled && settlementsById.TryGetValue(settled, out var s) && s.HospitalId == record.HospitalId && s.IdempotencyKey == record.Key,
                        $"{name}: points to settlement {record.SettlementId}, which is missing or has another key");
                    break;
                case "Reversal":
                    Check(record.SettlementId is { } reversed && settlementsById.TryGetValue(reversed, out var target) && !target.IsSettled && target.HospitalId == record.HospitalId,
                        $"{name}: points to settlement {record.SettlementId}, which is missing or not reversed");
                    if (record.ResponseBody is { } body && record.SettlementId is { } id)
                    {
                        using var json = JsonDocument.Parse(body);
                        var reversalId = json.RootElement.GetProperty("reversalId").GetGuid();
                        Check(reversalsById.TryGetValue(reversalId, out var reversal) && reversal.SettlementId == id, $"{name}: replays reversal {reversalId}, which does not exist");
                    }

                    break;
                case "Voided":
                    Check(record.SettlementId is null && !Settlements.Any(candidate => candidate.HospitalId == record.HospitalId && candidate.IdempotencyKey == record.Key),
                        $"{name}: voided, yet a settlement exists under the key");
                    break;
                default:
                    problems.Add($"{name}: unknown operation");
                    break;
            }
        }

        // Usage = unreversed settlements + subsidy-run payments, within the demo policy's caps; the premium subsidy once a year.
        var expectedUsage = new Dictionary<(long, int), UsageRow>();
        var subsidies = new Dictionary<(long, int), int>();
        foreach (var s in Settlements.Where(s => s.IsSettled))
        {
            var key = (s.BeneficiaryId, s.ServiceYear);
            var change = new UsageRow(s.BeneficiaryId, s.ServiceYear, s.InsuranceSubsidy,
                s.VisitType == "Outpatient" ? s.DeductibleApplied : 0, s.VisitType == "Inpatient" ? s.DeductibleApplied : 0,
                s.Outpatient, s.Inpatient, s.Temporary, s.Charity);
            expectedUsage[key] = expectedUsage.TryGetValue(key, out var sum) ? sum.Plus(change) : change;
            subsidies[key] = subsidies.GetValueOrDefault(key) + (s.InsuranceSubsidy > 0 ? 1 : 0);
        }

        foreach (var payment in SubsidyPayments)
        {
            var key = (payment.BeneficiaryId, payment.Year);
            var change = new UsageRow(payment.BeneficiaryId, payment.Year, payment.Amount, 0, 0, 0, 0, 0, 0);
            expectedUsage[key] = expectedUsage.TryGetValue(key, out var sum) ? sum.Plus(change) : change;
            subsidies[key] = subsidies.GetValueOrDefault(key) + 1;
        }

        var usages = Usages.ToDictionary(usage => (usage.BeneficiaryId, usage.Year));
        foreach (var (key, usage) in usages)
        {
            var expected = expectedUsage.GetValueOrDefault(key) ?? new UsageRow(key.BeneficiaryId, key.Year, 0, 0, 0, 0, 0, 0, 0);
            Check(usage == expected, $"usage of beneficiary {key.BeneficiaryId} in {key.Year} is {usage} but its unreversed settlements and subsidy payments make {expected}");
            Check(usage.Outpatient + usage.Inpatient <= DemoLimits.SharedAnnualCap, $"beneficiary {key.BeneficiaryId} over the shared annual cap: {usage.Outpatient + usage.Inpatient}");
            Check(usage.Outpatient <= DemoLimits.OutpatientAnnualCap, $"beneficiary {key.BeneficiaryId} over the outpatient cap: {usage.Outpatient}");
            Check(usage.Inpatient <= DemoLimits.InpatientAnnualCap, $"beneficiary {key.BeneficiaryId} over the inpatient cap: {usage.Inpatient}");
            Check(usage.Temporary <= DemoLimits.TemporaryAnnualCap, $"beneficiary {key.BeneficiaryId} over the temporary cap: {usage.Temporary}");
        }

        foreach (var key in expectedUsage.Keys.Where(key => !usages.ContainsKey(key)))
        {
            problems.Add($"beneficiary {key.Item1} has settlements in {key.Item2} but no usage row");
        }

        foreach (var (key, count) in subsidies.Where(pair => pair.Value > 1))
        {
            problems.Add($"beneficiary {key.Item1} was paid the premium subsidy {count} times in {key.Item2}");
        }

        return problems;

        void Check(bool condition, string problem)
        {
            if (!condition)
            {
                problems.Add(problem);
            }
        }

        void CheckReplayBody(IdempotencyRow record, SettlementRow s, string name)
        {
            if (record.ResponseBody is not { } body)
            {
                problems.Add($"{name}: its idempotency record has no response to replay");
                return;
            }

            using var json = JsonDocument.Parse(body);
            var root = json.RootElement;
            var channels = root.GetProperty("channels").EnumerateArray().Select(channel => Bills.Fen(channel.GetProperty("amount").GetDecimal())).ToArray();
            Check(root.GetProperty("settlementId").GetGuid() == s.Id
                  && channels.SequenceEqual(s.Channels)
                  && Bills.Fen(root.GetProperty("patientPays").GetDecimal()) == s.PatientPays
                  && Bills.Fen(root.GetProperty("fundsSettled").GetDecimal()) == s.FundsSettled,
                $"{name}: the response its key replays differs from the stored settlement: {body}");
        }
    }

    private static string Wire(string channel) => channel switch
    {
        "InsuranceSubsidy" => "insuranceSubsidy",
        _ => channel.ToLowerInvariant(),
    };

    private static async Task<List<T>> QueryAsync<T>(DbConnection connection, DbTransaction transaction, string sql, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    private static int Int(DbDataReader row, int ordinal) => Convert.ToInt32(row.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static long Long(DbDataReader row, int ordinal) => Convert.ToInt64(row.GetValue(ordinal), CultureInfo.InvariantCulture);

    private static Guid Guid(DbDataReader row, int ordinal) => row.GetValue(ordinal) switch
    {
        Guid guid => guid,
        string text => System.Guid.Parse(text),
        var other => throw new InvalidOperationException($"Not a GUID: {other}"),
    };

    private static Guid? NullableGuid(DbDataReader row, int ordinal) => row.IsDBNull(ordinal) ? null : Guid(row, ordinal);
}
