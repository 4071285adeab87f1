using System.Security.Cryptography;
using System.Text.Json;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Reports;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedicalAid.Api.Settlements;

/// <summary>
/// Preview, settlement and reversal. Each write is one transaction that takes the beneficiary's usage row and then
/// the year's fund rows, re-reads what it decides on under those locks, and writes the settlement, its ledger
/// entries, the usage and the balances together. Unique indexes are the last word on duplicates.
/// </summary>
public sealed class SettlementService(
    MedicalAidDbContext db,
    BeneficiaryEligibility eligibility,
    TransactionRunner transactions,
    RowLocks locks,
    ServiceCalendar calendar,
    IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    private JsonSerializerOptions Json => json.Value.SerializerOptions;

    public async Task<Outcome<SettlementCalculation>> PreviewAsync(HospitalCaller hospital, SettlementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        if (!SettlementRules.TryValidate(request, calendar.Today(), out var visit, out var errors))
        {
            return Problems.Validation(errors);
        }

        var (found, problem) = await eligibility.ForSettlementAsync(visit!.IdNumber, visit.PatientName, visit.ServiceDate, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var year = visit.ServiceDate.Year;
        var usage = await db.BeneficiaryYearUsages.AsNoTracking()
            .FirstOrDefaultAsync(row => row.BeneficiaryId == found!.Beneficiary.Id && row.Year == year, cancellationToken);
        var funds = await db.Funds.AsNoTracking().Where(fund => fund.Year == year).ToListAsync(cancellationToken);
        if (FundsNotOpen(funds, year) is { } notOpen)
        {
            return notOpen;
        }

        var result = Calculate(hospital, visit, found!, usage?.ToUsage() ?? YearUsage.None, FundLedger.Balances(funds));
        var settlement = NewSettlement(hospital, "", visit, found!, result);
        return Outcome.Success<SettlementCalculation>(SettlementMapping.ToCalculation(settlement), StatusCodes.Status200OK);
    }

    public async Task<Outcome<SettlementResponse>> SettleAsync(
        HospitalCaller hospital, string? idempotencyKey, SettlementRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        if (SettlementRules.IdempotencyKeyProblem(idempotencyKey) is { } keyProblem)
        {
            return Problems.Validation("Idempotency-Key", keyProblem);
        }

        var key = idempotencyKey!;
        if (!SettlementRules.TryValidate(request, calendar.Today(), out var visit, out var errors))
        {
            return Problems.Validation(errors);
        }

        // An earlier request under this key is looked up inside the transaction, in the round trip that locks the usage
        // row, so that a fresh settlement (the usual case) pays no lookup of its own. Only a refused one looks here:
        // a retry is answered as the original was, even if the beneficiary's standing changed since.
        var fingerprint = Fingerprint("POST /api/v1/settlements", visit!);
        var (found, problem) = await eligibility.ForSettlementAsync(visit!.IdNumber, visit.PatientName, visit.ServiceDate, cancellationToken);
        if (problem is not null)
        {
            return await ReplayAsync<SettlementResponse>(hospital, key, fingerprint, IdempotentOperation.Settlement, cancellationToken) ?? problem;
        }

        // On SQLite the settlements queued behind the single writer share a commit; on PostgreSQL each has its own.
        return await transactions.RunAsync((writeDb, ct) => SettleLockedAsync(writeDb, hospital, key, fingerprint, visit, found!, ct), cancellationToken);
    }

    /// <summary>
    /// The settlement inside its transaction, on <paramref name="writeDb"/>: the usage row locked and what the settlement
    /// decides on read in one round trip, the calculation, and every write in a second one.
    /// </summary>
    private async Task<Outcome<SettlementResponse>> SettleLockedAsync(
        MedicalAidDbContext writeDb, HospitalCaller hospital, string key, string fingerprint, ValidatedVisit visit, BeneficiaryOnDate found, CancellationToken ct)
    {
        var year = visit.ServiceDate.Year;
        var ground = await SettlementGround.ReadAsync(writeDb, found.Beneficiary.Id, year, hospital.Id, key, visit.VisitNumber, ct);

        // A retry, or a duplicate that committed while this one waited for the lock, is answered from what was recorded.
        if (ground.Earlier is { } earlierRecord)
        {
            return Replay<SettlementResponse>(earlierRecord, fingerprint, IdempotentOperation.Settlement);
        }

        if (ground.UnreversedSettlementOfVisit is { } existing)
        {
            return Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.VisitAlreadySettled,
                    "This visit is already settled.",
                    $"Settlement {existing} is the unreversed settlement of visit {visit.VisitNumber}; reverse it before settling again.")
                .WithExtension("settlementId", existing);
        }

        // The funds were read without a lock. If no fund limited what this settlement pays, any balance that still
        // covers its debits gives the same result, so the debit is applied at the end only where the balances still
        // cover it, and the hot fund rows are held just from there to the commit. If a fund did limit it, the
        // result depends on the exact balance: the rows are locked first and the settlement calculated again.
        var funds = ground.Funds;
        if (FundsNotOpen(funds, year) is { } notOpen)
        {
            return notOpen;
        }

        var usage = ground.Usage;
        var result = Calculate(hospital, visit, found, usage.ToUsage(), FundLedger.Balances(funds));
        if (result.Channels.Any(channel => channel.Has(ReasonCode.FundExhausted)))
        {
            funds = await new RowLocks(writeDb).FundsAsync(year, ct);
            result = Calculate(hospital, visit, found, usage.ToUsage(), FundLedger.Balances(funds));
        }

        var settlement = NewSettlement(hospital, key, visit, found, result);
        var response = SettlementMapping.ToResponse(settlement);
        usage.Apply(result.UsageChange);

        // Every write in one round trip, the fund rows last so that they are held for the shortest time: the usage,
        // the settlement, its idempotency record and ledger entries, the debits where the funds still cover them,
        // then the report's rollups. A fund that no longer covers its debit changes no row, and the count says so.
        var writes = new RawSql();
        writes.AppendUpdate(writeDb, usage);
        writes.AppendInsert(writeDb, settlement);
        writes.AppendInsert(writeDb, Record(hospital, key, fingerprint, IdempotentOperation.Settlement, StatusCodes.Status201Created, response, settlement.Id));
        var entries = FundLedger.Entries(funds, -result.FundDebits, new LedgerEntry
        {
            Kind = LedgerEntryKind.SettlementDebit,
            Year = year,
            SettlementId = settlement.Id,
            HospitalId = hospital.Id,
            BeneficiaryId = found.Beneficiary.Id,
            CreatedAt = settlement.SettledAt,
        });
        foreach (var entry in entries)
        {
            writes.AppendInsert(writeDb, entry);
        }

        var debitRows = FundLedger.AppendDebitsIfCovered(writes, funds, result.FundDebits);
        var rollupRows = ReportRollups.AppendSettled(writes, settlement);
        if (await writes.ExecuteAsync(writeDb, ct) != 3 + entries.Count + debitRows + rollupRows)
        {
            throw new FundBalanceMovedException(year);
        }

        return Outcome.Success<SettlementResponse>(response, StatusCodes.Status201Created);
    }

    public async Task<Outcome<SettlementResponse>> FindAsync(HospitalCaller hospital, Guid settlementId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        var settlement = await db.Settlements.AsNoTracking()
            .Include(candidate => candidate.Reversal)
            .FirstOrDefaultAsync(candidate => candidate.Id == settlementId && candidate.HospitalId == hospital.Id, cancellationToken);
        return settlement is null
            ? Problems.NotFound($"No settlement {settlementId} of hospital {hospital.Code}.")
            : Outcome.Success<SettlementResponse>(SettlementMapping.ToResponse(settlement), StatusCodes.Status200OK);
    }

    public async Task<IReadOnlyList<SettlementResponse>> FindByVisitAsync(HospitalCaller hospital, string visitNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        var settlements = await db.Settlements.AsNoTracking()
            .Include(candidate => candidate.Reversal)
            .Where(candidate => candidate.HospitalId == hospital.Id && candidate.VisitNumber == visitNumber)
            .OrderBy(candidate => candidate.Id)
            .ToListAsync(cancellationToken);
        return settlements.Select(SettlementMapping.ToResponse).ToArray();
    }

    /// <summary>撤销: undo a settlement of this hospital. Idempotent: reversing a reversed settlement answers the same reversal.</summary>
    public async Task<Outcome<ReversalResponse>> ReverseAsync(
        HospitalCaller hospital, Guid settlementId, string? idempotencyKey, ReversalRequest? request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        if (SettlementRules.IdempotencyKeyProblem(idempotencyKey) is { } keyProblem)
        {
            return Problems.Validation("Idempotency-Key", keyProblem);
        }

        if (SettlementRules.ReasonProblem(request?.Reason) is { } reasonProblem)
        {
            return Problems.Validation("reason", reasonProblem);
        }

        var key = idempotencyKey!;
        var fingerprint = Fingerprint($"POST /api/v1/settlements/{settlementId}/reversal", request ?? new ReversalRequest());
        if (await ReplayAsync<ReversalResponse>(hospital, key, fingerprint, IdempotentOperation.Reversal, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        return await transactions.RunAsync(async ct =>
        {
            var target = await db.Settlements.AsNoTracking()
                .Where(candidate => candidate.Id == settlementId && candidate.HospitalId == hospital.Id)
                .Select(candidate => new { candidate.BeneficiaryId, candidate.ServiceYear })
                .FirstOrDefaultAsync(ct);
            if (target is null)
            {
                return Problems.NotFound($"No settlement {settlementId} of hospital {hospital.Code}.");
            }

            var usage = await locks.UsageAsync(target.BeneficiaryId, target.ServiceYear, ct);
            if (await ReplayAsync<ReversalResponse>(hospital, key, fingerprint, IdempotentOperation.Reversal, ct) is { } duplicate)
            {
                return duplicate;
            }

            var (reversal, created) = await ReverseLockedAsync(hospital, settlementId, usage, request?.Reason, ct);
            var status = created ? StatusCodes.Status201Created : StatusCodes.Status200OK;
            db.IdempotencyRecords.Add(Record(hospital, key, fingerprint, IdempotentOperation.Reversal, status, reversal, settlementId));
            await db.SaveChangesAsync(ct);
            return Outcome.Success<ReversalResponse>(reversal, status);
        }, cancellationToken);
    }

    /// <summary>冲正: reverse whatever was settled under a key, or void the key so that a late original is refused.</summary>
    public async Task<Outcome<ReversalByRequestResponse>> ReverseByRequestAsync(
        HospitalCaller hospital, ReversalByRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hospital);
        ArgumentNullException.ThrowIfNull(request);
        if (SettlementRules.IdempotencyKeyProblem(request.OriginalIdempotencyKey) is { } keyProblem)
        {
            return Problems.Validation("originalIdempotencyKey", keyProblem.Replace("The Idempotency-Key header", "The original key", StringComparison.Ordinal));
        }

        if (SettlementRules.ReasonProblem(request.Reason) is { } reasonProblem)
        {
            return Problems.Validation("reason", reasonProblem);
        }

        var key = request.OriginalIdempotencyKey;
        return await transactions.RunAsync(async ct =>
        {
            var record = await db.IdempotencyRecords.AsNoTracking()
                .FirstOrDefaultAsync(candidate => candidate.HospitalId == hospital.Id && candidate.Key == key, ct);
            switch (record?.Operation)
            {
                case null:
                    db.IdempotencyRecords.Add(new IdempotencyRecord
                    {
                        HospitalId = hospital.Id,
                        Key = key,
                        Operation = IdempotentOperation.Voided,
                        RequestFingerprint = "",
                        ResponseStatus = StatusCodes.Status409Conflict,
                        CreatedAt = calendar.Now(),
                    });
                    await db.SaveChangesAsync(ct);
                    return Voided();
                case IdempotentOperation.Voided:
                    return Voided();
                case IdempotentOperation.Reversal:
                    return Problems.Create(StatusCodes.Status422UnprocessableEntity, ProblemTypes.IdempotencyKeyReused,
                        "That key was used for a reversal, not a settlement.", "Reversal by request takes the key the settlement was sent with.");
            }

            var target = await db.Settlements.AsNoTracking()
                .Where(candidate => candidate.Id == record.SettlementId && candidate.HospitalId == hospital.Id)
                .Select(candidate => new { candidate.Id, candidate.BeneficiaryId, candidate.ServiceYear })
                .SingleAsync(ct);
            var usage = await locks.UsageAsync(target.BeneficiaryId, target.ServiceYear, ct);
            var (reversal, _) = await ReverseLockedAsync(hospital, target.Id, usage, request.Reason, ct);
            await db.SaveChangesAsync(ct);
            return Outcome.Success<ReversalByRequestResponse>(
                new ReversalByRequestResponse { Outcome = ReversalByRequestOutcome.Reversed, OriginalIdempotencyKey = key, Reversal = reversal },
                StatusCodes.Status200OK);
        }, cancellationToken);

        Outcome<ReversalByRequestResponse> Voided() => Outcome.Success<ReversalByRequestResponse>(
            new ReversalByRequestResponse { Outcome = ReversalByRequestOutcome.Voided, OriginalIdempotencyKey = key },
            StatusCodes.Status200OK);
    }

    /// <summary>Reverses a settlement whose beneficiary's usage row this transaction already holds.</summary>
    private async Task<(ReversalResponse Reversal, bool Created)> ReverseLockedAsync(
        HospitalCaller hospital, Guid settlementId, BeneficiaryYearUsage usage, string? reason, CancellationToken cancellationToken)
    {
        var settlement = await db.Settlements
            .Include(candidate => candidate.Reversal)
            .SingleAsync(candidate => candidate.Id == settlementId && candidate.HospitalId == hospital.Id, cancellationToken);
        if (settlement.Reversal is { } existing)
        {
            return (SettlementMapping.ToResponse(existing, settlement), false);
        }

        var now = calendar.Now();
        var reversal = new SettlementReversal
        {
            Id = Guid.CreateVersion7(now),
            SettlementId = settlement.Id,
            HospitalId = hospital.Id,
            Reason = reason,
            ReversedAt = now,
        };
        settlement.Status = SettlementState.Reversed;
        settlement.ReversedAt = now;
        db.SettlementReversals.Add(reversal);
        settlement.Reversal = reversal;
        usage.Apply(-settlement.UsageChange);
        await ReportRollups.RecordReversedAsync(db, settlement, cancellationToken);
        var funds = await locks.FundsAsync(settlement.ServiceYear, cancellationToken);

        // After the funds, as in a settlement, so that the two never wait on each other's rows in a cycle.
        await ReportRollups.RemoveFromMonthlyTotalsAsync(db, settlement, cancellationToken);
        FundLedger.Post(db, funds, settlement.FundDebits, new LedgerEntry
        {
            Kind = LedgerEntryKind.ReversalCredit,
            Year = settlement.ServiceYear,
            SettlementId = settlement.Id,
            ReversalId = reversal.Id,
            HospitalId = hospital.Id,
            BeneficiaryId = settlement.BeneficiaryId,
            CreatedAt = now,
        });
        return (SettlementMapping.ToResponse(reversal, settlement), true);
    }

    /// <summary>
    /// A year whose funds were never opened is refused, not settled as if every fund were empty: that would record a
    /// settlement paying nothing and take the visit.
    /// </summary>
    private static ProblemDetails? FundsNotOpen(IReadOnlyList<Fund> funds, int year)
    {
        var missing = Channels.InSettlementOrder.Where(channel => funds.All(fund => fund.Channel != channel)).ToList();
        return missing.Count == 0
            ? null
            : Problems.Create(StatusCodes.Status422UnprocessableEntity, ProblemTypes.FundNotOpen,
                $"The assistance funds for {year} are not open.",
                $"No {string.Join(", ", missing)} fund exists for {year}; civil-affairs staff must open it before visits of that year can be settled.");
    }

    private static SettlementResult Calculate(HospitalCaller hospital, ValidatedVisit visit, BeneficiaryOnDate found, YearUsage usage, ChannelAmounts funds) =>
        SettlementCalculator.Calculate(new SettlementInput(
            visit.VisitType, hospital.Level, visit.Bill, found.Status!.CategoryCode, found.Policy!, usage, funds));

    private Settlement NewSettlement(HospitalCaller hospital, string key, ValidatedVisit visit, BeneficiaryOnDate found, SettlementResult result)
    {
        var now = calendar.Now();
        var bill = visit.Bill;
        return new Settlement
        {
            Id = Guid.CreateVersion7(now),
            HospitalId = hospital.Id,
            HospitalCode = hospital.Code,
            IdempotencyKey = key,
            VisitNumber = visit.VisitNumber,
            VisitType = visit.VisitType,
            BeneficiaryId = found.Beneficiary.Id,
            IdNumber = found.Beneficiary.IdNumber,
            BeneficiaryName = found.Beneficiary.Name,
            CategoryCode = found.Status!.CategoryCode,
            ServiceDate = visit.ServiceDate,
            ServiceYear = visit.ServiceDate.Year,
            AdmissionDate = visit.AdmissionDate,
            DischargeDate = visit.DischargeDate,
            VisitDate = visit.VisitDate,
            DiagnosisCodes = string.Join(',', visit.DiagnosisCodes),
            PolicyVersionId = found.PolicyVersionId!.Value,
            PolicyCode = found.Policy!.Code,
            Total = bill.Total,
            PolicyScope = bill.PolicyScope,
            BasicInsurancePaid = bill.BasicInsurancePaid,
            CriticalIllnessInsurancePaid = bill.CriticalIllnessInsurancePaid,
            OtherInsurancePaid = bill.OtherInsurancePaid,
            InsuranceSubsidy = result.FundDebits.InsuranceSubsidy,
            Outpatient = result.FundDebits.Outpatient,
            Inpatient = result.FundDebits.Inpatient,
            Temporary = result.FundDebits.Temporary,
            Charity = result.FundDebits.Charity,
            DeductibleApplied = result.UsageChange.DeductibleUsed(visit.VisitType),
            AssistanceTotal = result.AssistanceTotal,
            FundsSettled = result.FundsSettled,
            PatientPays = result.PatientPays,
            ChannelDetails = SettlementMapping.SerializeChannels(result),
            Status = SettlementState.Settled,
            SettledAt = now,
        };
    }

    /// <summary>
    /// What an earlier request under this key decided, when there was one: its response again (same body), a 422 for
    /// another request under the same key, or a 409 for a key voided by a reversal by request.
    /// </summary>
    private async Task<Outcome<T>?> ReplayAsync<T>(
        HospitalCaller hospital, string key, string fingerprint, IdempotentOperation operation, CancellationToken cancellationToken)
        where T : class
    {
        var record = await db.IdempotencyRecords.AsNoTracking()
            .FirstOrDefaultAsync(candidate => candidate.HospitalId == hospital.Id && candidate.Key == key, cancellationToken);
        return record is null ? null : Replay<T>(record, fingerprint, operation);
    }

    private Outcome<T> Replay<T>(IdempotencyRecord record, string fingerprint, IdempotentOperation operation)
        where T : class
    {
        if (record.Operation == IdempotentOperation.Voided)
        {
            return Problems.Create(StatusCodes.Status409Conflict, ProblemTypes.RequestVoided,
                "This request was voided.", "A reversal by request (冲正) voided this Idempotency-Key before the request arrived; nothing was settled.");
        }

        if (record.Operation != operation || !string.Equals(record.RequestFingerprint, fingerprint, StringComparison.Ordinal))
        {
            return Problems.Create(StatusCodes.Status422UnprocessableEntity, ProblemTypes.IdempotencyKeyReused,
                "This Idempotency-Key was used for a different request.", "Use a new key for a new request; a retry must repeat the original request exactly.");
        }

        var body = JsonSerializer.Deserialize<T>(record.ResponseBody!, Json)
            ?? throw new InvalidOperationException($"Idempotency record {record.Key} has no response.");
        return Outcome.Success<T>(body, record.ResponseStatus, replayed: true);
    }

    private IdempotencyRecord Record<T>(HospitalCaller hospital, string key, string fingerprint, IdempotentOperation operation, int status, T response, Guid settlementId) =>
        new()
        {
            HospitalId = hospital.Id,
            Key = key,
            Operation = operation,
            RequestFingerprint = fingerprint,
            ResponseStatus = status,
            ResponseBody = JsonSerializer.Serialize(response, Json),
            SettlementId = settlementId,
            CreatedAt = calendar.Now(),
        };

    /// <summary>
    /// SHA-256 of the operation and the request as validated and normalised (amounts in fen, trimmed and upper-cased
    /// identifiers), so that a retry whose JSON is formatted differently (20000 for 20000.00, a lowercase x) still matches.
    /// </summary>
    private string Fingerprint<T>(string operation, T request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(new { operation, request }, Json)));
}
