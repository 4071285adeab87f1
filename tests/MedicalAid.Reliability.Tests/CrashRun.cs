using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Reliability.Tests.Infrastructure;

namespace MedicalAid.Reliability.Tests;

/// <summary>A settlement request as sent: the same key and the same bytes go out again on a retry.</summary>
public sealed record SentSettlement(string ApiKey, string Key, string Json, SettlementRequest Request)
{
    public string HospitalCode => Hospitals.CodeOfKey[ApiKey];
}

/// <summary>A settlement the API acknowledged with a 2xx, and what it said.</summary>
public sealed record AckedSettlement(SentSettlement Sent, SettlementResponse Response);

/// <summary>A request whose answer was lost; resolved later by sending it again (or by 冲正, for a settlement).</summary>
public abstract record LostRequest(int Worker, string ApiKey);

public sealed record LostSettlement(int Worker, SentSettlement Sent) : LostRequest(Worker, Sent.ApiKey)
{
    /// <summary>The settlement the database held under this key right after a kill, if it held one.</summary>
    public Guid? FoundAfterKill { get; set; }
}

public sealed record LostReversal(int Worker, string ApiKey, Guid SettlementId, string Key, string Reason) : LostRequest(Worker, ApiKey);

/// <summary>A lost 冲正: <see cref="Expected"/> is what it must turn out to be (null: either, the original's fate being unknown).</summary>
public sealed record LostReversalByRequest(int Worker, string ApiKey, string OriginalKey, ReversalByRequestOutcome? Expected, Guid? SettlementId) : LostRequest(Worker, ApiKey);

/// <summary>
/// The crash test: hospital client loops settle fresh visits, retry with the same key, reverse (撤销), reverse by
/// request (冲正) and read back, while a killer SIGKILLs the API at random moments and restarts it on the same database.
/// Every 2xx is recorded; every lost answer is resolved later as a hospital would (resend the same key, or 冲正).
/// After every kill — with the process dead, so the database holds exactly what survived — and again at the end, the
/// database is audited and every acknowledgement is checked against it; at the end also through the API.
/// </summary>
public sealed class CrashRun(TestDatabase database, ApiServer server, ApiClient api, int kills, int clients, int seed)
{
    private const int PopulationSize = 100;
    private const int MaxAttemptsWhileUp = 30;

    private readonly object sync = new();
    private readonly Dictionary<Guid, AckedSettlement> acked = [];
    private readonly Dictionary<Guid, Guid> ackedReversals = [];
    private readonly HashSet<(string ApiKey, string Key)> voidedKeys = [];
    private readonly List<LostRequest> lost = [];
    private readonly List<string> problems = [];
    private readonly ServerGate gate = new();
    private readonly Stopwatch clock = new();
    private readonly List<string> timeline = [];
    private IReadOnlyList<PatientIdentity> patients = [];
    private long requests, lostAnswers, duplicateReplays, resentReplayed, resentSettledAnew, reversedByRequestAfterLoss, voidedByRequestAfterLoss;
    private long reversalsAcked, voidsAcked, lateOriginalsRefused, busyAnswers, staffCalls;
    private int killsDone;
    private TimeSpan loadTime;

    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (sync)
            {
                return [.. problems];
            }
        }
    }

    public int Kills => killsDone;

    public int Acknowledged
    {
        get
        {
            lock (sync)
            {
                return acked.Count;
            }
        }
    }

    public long LostAnswers => Interlocked.Read(ref lostAnswers);

    public async Task<string> RunAsync(CancellationToken cancellationToken)
    {
        clock.Start();
        await server.StartAsync(cancellationToken);
        await PrepareAsync(cancellationToken);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = Enumerable.Range(0, clients).Select(worker => Task.Run(() => WorkerAsync(worker, stop.Token), CancellationToken.None)).ToList();
        var staff = Task.Run(() => StaffAsync(stop.Token), CancellationToken.None);
        var loadStarted = clock.Elapsed;
        try
        {
            await KillerAsync(cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll([.. workers, staff]);
        }

        loadTime = clock.Elapsed - loadStarted;

        // After the last restart: what the database holds, then every lost answer resolved, then everything again.
        await CheckDatabaseAsync("after the last restart", cancellationToken);
        await ResolveAllLostAsync(cancellationToken);
        await VerifyThroughApiAsync(cancellationToken);
        await CheckDatabaseAsync("at the end", cancellationToken, final: true);
        return Report();
    }

    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var categories = DemoLimits.Categories;
        patients = await Population.RegisterAsync(api, server.BaseAddress, PopulationSize, i => categories[i % categories.Count], cancellationToken);
        foreach (var year in new[] { Bills.ShanghaiToday.Year - 1, Bills.ShanghaiToday.Year })
        {
            foreach (var channel in Enum.GetValues<AssistanceChannel>())
            {
                await api.TopUpAsync(server.BaseAddress, year, channel, channel == AssistanceChannel.Inpatient ? 50_000_000m : 10_000_000m, cancellationToken);
            }
        }
    }

    private async Task KillerAsync(CancellationToken cancellationToken)
    {
        var random = new Random(seed ^ 0x5EED);
        for (var kill = 1; kill <= kills; kill++)
        {
            // Load runs for a random while and a random number of requests (a slow machine gets as much work done
            // between kills as a fast one); the kill lands wherever the requests in flight happen to be.
            var before = Interlocked.Read(ref requests);
            var work = random.Next(10, 60);
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 2_000)), cancellationToken);
            var waited = Stopwatch.StartNew();
            while (Interlocked.Read(ref requests) - before < work && waited.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(5, 40)), cancellationToken);
            }

            await gate.CloseAsync(cancellationToken);
            var killedAt = clock.Elapsed;
            await server.KillAsync();
            killsDone++;
            await gate.DrainAsync(cancellationToken);
            var drained = clock.Elapsed;
            await CheckDatabaseAsync($"after kill {kill}", cancellationToken);
            var checkedAt = clock.Elapsed;
            await server.StartAsync(cancellationToken);
            gate.Open();
            timeline.Add(string.Create(CultureInfo.InvariantCulture,
                $"kill {kill} at {killedAt.TotalSeconds:0.0} s: requests {Interlocked.Read(ref requests)}, drained in {(drained - killedAt).TotalMilliseconds:0} ms, audited in {(checkedAt - drained).TotalMilliseconds:0} ms, ready again in {(clock.Elapsed - checkedAt).TotalMilliseconds:0} ms"));
        }
    }

    private async Task WorkerAsync(int worker, CancellationToken stop)
    {
        var random = new Random(seed + worker);
        var open = new List<AckedSettlement>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                using var inFlight = await gate.EnterAsync(stop);
                var mine = OwnLost(worker);
                var choice = random.NextDouble();
                if (mine is not null && choice < 0.25)
                {
                    await ResolveAsync(mine, random, open, CancellationToken.None);
                }
                else if (choice < 0.62 || open.Count == 0)
                {
                    await SettleFreshAsync(worker, random, open);
                }
                else if (choice < 0.74)
                {
                    await ReverseAsync(worker, Take(open, random));
                }
                else if (choice < 0.84)
                {
                    await ReverseByRequestAsync(worker, Take(open, random));
                }
                else if (choice < 0.90)
                {
                    await VoidThenSendLateAsync(worker, random);
                }
                else
                {
                    await ReadBackAsync(open[random.Next(open.Count)]);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            Problem($"worker {worker} failed: {exception}");
        }
    }

    /// <summary>Civil-affairs staff at work during the load: top-ups and the yearly subsidy run, each a transaction on the funds.</summary>
    private async Task StaffAsync(CancellationToken stop)
    {
        var random = new Random(seed ^ 0x57AF);
        var year = Bills.ShanghaiToday.Year;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 1_000)), stop);
                using var inFlight = await gate.EnterAsync(stop);
                Interlocked.Increment(ref staffCalls);
                var answer = random.Next(5) == 0
                    ? await api.TryStaffAsync(HttpMethod.Post, new Uri(server.BaseAddress, $"api/v1/admin/funds/{year}/insurance-subsidy-run"), new { }, CancellationToken.None)
                    : await api.TryStaffAsync(HttpMethod.Post,
                        new Uri(server.BaseAddress, $"api/v1/admin/funds/{year}/{ApiClient.Wire((AssistanceChannel)random.Next(5))}/top-ups"),
                        new TopUpRequest { Amount = random.Next(1, 100_000) / 100m, Reason = "crash test top-up" }, CancellationToken.None);
                if (!answer.Lost && !answer.IsSuccess && answer.Status != HttpStatusCode.ServiceUnavailable)
                {
                    Problem($"staff call answered {answer}");
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task SettleFreshAsync(int worker, Random random, List<AckedSettlement> open)
    {
        var request = Bills.Random(random, patients[random.Next(patients.Count)], Bills.ShanghaiToday.AddDays(-random.Next(1, 4)));
        var sent = new SentSettlement(Hospitals.ApiKeys[random.Next(Hospitals.ApiKeys.Count)], Guid.NewGuid().ToString(), ApiClient.Serialize(request), request);
        var answer = await SettleAsync(sent);
        if (answer.Lost)
        {
            Lose(new LostSettlement(worker, sent));
            return;
        }

        if (answer.Status != HttpStatusCode.Created || answer.Replayed)
        {
            Problem($"a fresh settlement (key {sent.Key}) answered {answer}");
            return;
        }

        var settled = Acknowledge(sent, answer);
        if (settled is null)
        {
            return;
        }

        open.Add(settled);
        if (random.NextDouble() < 0.15)
        {
            // The hospital did not hear the answer in time and retries at once: the same settlement comes back.
            var retry = await SettleAsync(sent);
            if (!retry.Lost)
            {
                if (retry.Status == HttpStatusCode.Created && retry.Replayed && SameSettlement(retry.Read<SettlementResponse>(), settled.Response))
                {
                    Interlocked.Increment(ref duplicateReplays);
                }
                else
                {
                    Problem($"the retry of acknowledged settlement {settled.Response.SettlementId} answered {retry}");
                }
            }
        }
    }

    private async Task ReverseAsync(int worker, AckedSettlement target)
    {
        var key = Guid.NewGuid().ToString();
        var reason = "撤销 by the crash test";
        var answer = await Busy(() => api.ReverseAsync(server.BaseAddress, target.Sent.ApiKey, target.Response.SettlementId, key, reason, CancellationToken.None));
        if (answer.Lost)
        {
            Lose(new LostReversal(worker, target.Sent.ApiKey, target.Response.SettlementId, key, reason));
        }
        else if (answer.Status == HttpStatusCode.Created && !answer.Replayed)
        {
            AcknowledgeReversal(target.Response.SettlementId, answer.Read<ReversalResponse>(), target.Response.FundsSettled);
        }
        else
        {
            Problem($"reversal of settlement {target.Response.SettlementId} (never reversed before) answered {answer}");
        }
    }

    private async Task ReverseByRequestAsync(int worker, AckedSettlement target)
    {
        var answer = await Busy(() => api.ReverseByRequestAsync(server.BaseAddress, target.Sent.ApiKey, target.Sent.Key, CancellationToken.None));
        if (answer.Lost)
        {
            Lose(new LostReversalByRequest(worker, target.Sent.ApiKey, target.Sent.Key, ReversalByRequestOutcome.Reversed, target.Response.SettlementId));
            return;
        }

        var outcome = answer.Status == HttpStatusCode.OK ? answer.Read<ReversalByRequestResponse>() : null;
        if (outcome is { Outcome: ReversalByRequestOutcome.Reversed, Reversal: { } reversal } && reversal.SettlementId == target.Response.SettlementId)
        {
            AcknowledgeReversal(target.Response.SettlementId, reversal, target.Response.FundsSettled);
        }
        else
        {
            Problem($"冲正 of acknowledged settlement {target.Response.SettlementId} answered {answer}");
        }
    }

    /// <summary>冲正 before anything was sent under a key voids it; the original arriving late is refused with 409.</summary>
    private async Task VoidThenSendLateAsync(int worker, Random random)
    {
        var request = Bills.Random(random, patients[random.Next(patients.Count)], Bills.ShanghaiToday.AddDays(-1));
        var sent = new SentSettlement(Hospitals.ApiKeys[random.Next(Hospitals.ApiKeys.Count)], Guid.NewGuid().ToString(), ApiClient.Serialize(request), request);
        var voided = await Busy(() => api.ReverseByRequestAsync(server.BaseAddress, sent.ApiKey, sent.Key, CancellationToken.None));
        if (voided.Lost)
        {
            Lose(new LostReversalByRequest(worker, sent.ApiKey, sent.Key, ReversalByRequestOutcome.Voided, null));
            return;
        }

        if (voided.Status != HttpStatusCode.OK || voided.Read<ReversalByRequestResponse>().Outcome != ReversalByRequestOutcome.Voided)
        {
            Problem($"冲正 of a key never used answered {voided}");
            return;
        }

        AcknowledgeVoid(sent);
        var late = await SettleAsync(sent);
        if (late.Lost)
        {
            return; // Whatever happened to it, the key is voided: the final checks find no settlement under it.
        }

        if (late.Status == HttpStatusCode.Conflict && late.ProblemType == ProblemTypes.RequestVoided)
        {
            Interlocked.Increment(ref lateOriginalsRefused);
        }
        else
        {
            Problem($"the late original of voided key {sent.Key} answered {late}");
        }
    }

    private async Task ReadBackAsync(AckedSettlement settled)
    {
        var answer = await api.GetSettlementAsync(server.BaseAddress, settled.Sent.ApiKey, settled.Response.SettlementId, CancellationToken.None);
        Interlocked.Increment(ref requests);
        if (!answer.Lost && (answer.Status != HttpStatusCode.OK || !SameSettlement(answer.Read<SettlementResponse>(), settled.Response)))
        {
            Problem($"GET of acknowledged settlement {settled.Response.SettlementId} answered {answer}");
        }
    }

    /// <summary>Resolves a lost request as a hospital would: a settlement by resending it or by 冲正, the others by resending.</summary>
    private async Task<bool> ResolveAsync(LostRequest item, Random random, List<AckedSettlement>? open, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        switch (item)
        {
            case LostSettlement settlement when random.NextDouble() < 0.6:
            {
                var answer = await SettleAsync(settlement.Sent);
                if (answer.Lost)
                {
                    return false;
                }

                Resolved(item);
                if (answer.Status != HttpStatusCode.Created)
                {
                    Problem($"the resend of lost settlement key {settlement.Sent.Key} answered {answer}");
                    return true;
                }

                var response = answer.Read<SettlementResponse>();
                if (settlement.FoundAfterKill is { } found && (!answer.Replayed || response.SettlementId != found))
                {
                    Problem($"settlement {found} was in the database after a kill, yet the resend of its key {settlement.Sent.Key} answered {answer}");
                }

                Interlocked.Increment(ref answer.Replayed ? ref resentReplayed : ref resentSettledAnew);
                if (Acknowledge(settlement.Sent, answer) is not { } settled)
                {
                    return true;
                }

                open?.Add(settled);

                // Settled once: sending it yet again replays that settlement.
                var again = await SettleAsync(settlement.Sent);
                if (!again.Lost && !(again.Status == HttpStatusCode.Created && again.Replayed && SameSettlement(again.Read<SettlementResponse>(), settled.Response)))
                {
                    Problem($"lost settlement key {settlement.Sent.Key} was resolved as {settled.Response.SettlementId}, yet sending it again answered {again}");
                }

                return true;
            }

            case LostSettlement settlement:
            {
                var answer = await Busy(() => api.ReverseByRequestAsync(server.BaseAddress, settlement.ApiKey, settlement.Sent.Key, CancellationToken.None));
                if (answer.Lost)
                {
                    Resolved(item);
                    Lose(new LostReversalByRequest(item.Worker, settlement.ApiKey, settlement.Sent.Key, null, settlement.FoundAfterKill));
                    return true;
                }

                Resolved(item);
                ResolveReversalByRequest(answer, settlement.Sent.Key, settlement.ApiKey, null, settlement.FoundAfterKill);
                return true;
            }

            case LostReversal reversal:
            {
                var answer = await Busy(() => api.ReverseAsync(server.BaseAddress, reversal.ApiKey, reversal.SettlementId, reversal.Key, reversal.Reason, CancellationToken.None));
                if (answer.Lost)
                {
                    return false;
                }

                Resolved(item);
                if (answer.Status == HttpStatusCode.Created)
                {
                    // Replayed: the lost reversal had been carried out; not replayed: it had not, and now it is.
                    var funds = AckedFundsSettled(reversal.SettlementId);
                    AcknowledgeReversal(reversal.SettlementId, answer.Read<ReversalResponse>(), funds);
                }
                else
                {
                    Problem($"the resend of lost reversal {reversal.Key} of settlement {reversal.SettlementId} answered {answer}");
                }

                return true;
            }

            case LostReversalByRequest byRequest:
            {
                var answer = await Busy(() => api.ReverseByRequestAsync(server.BaseAddress, byRequest.ApiKey, byRequest.OriginalKey, CancellationToken.None));
                if (answer.Lost)
                {
                    return false;
                }

                Resolved(item);
                ResolveReversalByRequest(answer, byRequest.OriginalKey, byRequest.ApiKey, byRequest.Expected, byRequest.SettlementId);
                return true;
            }

            default:
                throw new InvalidOperationException(item.ToString());
        }
    }

    private void ResolveReversalByRequest(ApiAnswer answer, string originalKey, string apiKey, ReversalByRequestOutcome? expected, Guid? settlementId)
    {
        var outcome = answer.Status == HttpStatusCode.OK ? answer.Read<ReversalByRequestResponse>() : null;
        switch (outcome)
        {
            case { Outcome: ReversalByRequestOutcome.Reversed, Reversal: { } reversal }
                when expected is null or ReversalByRequestOutcome.Reversed && (settlementId is null || reversal.SettlementId == settlementId):
                Interlocked.Increment(ref reversedByRequestAfterLoss);
                AcknowledgeReversal(reversal.SettlementId, reversal, AckedFundsSettled(reversal.SettlementId));
                break;
            case { Outcome: ReversalByRequestOutcome.Voided } when expected is null or ReversalByRequestOutcome.Voided && settlementId is null:
                Interlocked.Increment(ref voidedByRequestAfterLoss);
                lock (sync)
                {
                    voidedKeys.Add((apiKey, originalKey));
                }

                break;
            default:
                Problem($"冲正 of key {originalKey} (expected {expected?.ToString() ?? "either outcome"}{(settlementId is { } id ? $" of settlement {id}" : "")}) answered {answer}");
                break;
        }
    }

    private async Task ResolveAllLostAsync(CancellationToken cancellationToken)
    {
        var random = new Random(seed ^ 0x1057);
        for (var attempt = 1; ; attempt++)
        {
            List<LostRequest> remaining;
            lock (sync)
            {
                remaining = [.. lost];
            }

            if (remaining.Count == 0)
            {
                return;
            }

            if (attempt > MaxAttemptsWhileUp)
            {
                Problem($"{remaining.Count} lost requests still had no answer with the API up: {string.Join("; ", remaining.Take(5))}");
                return;
            }

            foreach (var item in remaining)
            {
                await ResolveAsync(item, random, null, cancellationToken);
            }
        }
    }

    /// <summary>Through the API, as the hospitals see it: every acknowledged settlement, with identical amounts and the status our acknowledgements imply.</summary>
    private async Task VerifyThroughApiAsync(CancellationToken cancellationToken)
    {
        List<AckedSettlement> all;
        Dictionary<Guid, Guid> reversed;
        lock (sync)
        {
            all = [.. acked.Values];
            reversed = new Dictionary<Guid, Guid>(ackedReversals);
        }

        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (settled, ct) =>
        {
            var answer = await api.GetSettlementAsync(server.BaseAddress, settled.Sent.ApiKey, settled.Response.SettlementId, ct);
            if (answer.Status != HttpStatusCode.OK)
            {
                Problem($"acknowledged settlement {settled.Response.SettlementId}: GET answered {answer}");
                return;
            }

            var now = answer.Read<SettlementResponse>();
            var expectedStatus = reversed.ContainsKey(now.SettlementId) ? SettlementStatus.Reversed : SettlementStatus.Settled;
            var differences = Differences(now, settled.Response);
            if (differences.Count > 0 || now.Status != expectedStatus)
            {
                Problem($"acknowledged settlement {settled.Response.SettlementId} (expected {expectedStatus}, reads {now.Status}) differs from its acknowledgement: {string.Join("; ", differences)}");
            }
        });

        foreach (var year in new[] { Bills.ShanghaiToday.Year - 1, Bills.ShanghaiToday.Year })
        {
            var balances = await api.FundBalancesAsync(server.BaseAddress, year, cancellationToken);
            var snapshot = await DatabaseSnapshot.ReadAsync(database, cancellationToken);
            foreach (var balance in balances)
            {
                var fund = snapshot.Funds.Single(fund => fund.Year == year && fund.Channel == DatabaseSnapshot.ChannelNames[(int)balance.Channel]);
                var ledger = snapshot.Ledger.Where(entry => entry.FundId == fund.Id).Sum(entry => entry.Amount);
                if (Bills.Fen(balance.Balance) != ledger)
                {
                    Problem($"the API says fund {year}/{balance.Channel} holds {balance.Balance} but its ledger sums to {Bills.Yuan(ledger)}");
                }
            }
        }
    }

    /// <summary>The database as it is: the invariants, and every acknowledgement so far against it.</summary>
    private async Task CheckDatabaseAsync(string when, CancellationToken cancellationToken, bool final = false)
    {
        var snapshot = await DatabaseSnapshot.ReadAsync(database, cancellationToken);
        foreach (var violation in snapshot.Violations())
        {
            Problem($"{when}: {violation}");
        }

        lock (sync)
        {
            var rows = snapshot.Settlements.ToDictionary(settlement => settlement.Id);
            foreach (var settled in acked.Values)
            {
                if (!rows.TryGetValue(settled.Response.SettlementId, out var row))
                {
                    problems.Add($"{when}: acknowledged settlement {settled.Response.SettlementId} (key {settled.Sent.Key}) is not in the database");
                }
                else if (!SameAmounts(row, settled, snapshot))
                {
                    problems.Add($"{when}: acknowledged settlement {settled.Response.SettlementId} is stored as {row}, not as acknowledged");
                }
            }

            foreach (var (settlementId, reversalId) in ackedReversals)
            {
                if (!rows.TryGetValue(settlementId, out var row) || row.IsSettled || snapshot.Reversals.All(reversal => reversal.Id != reversalId))
                {
                    problems.Add($"{when}: acknowledged reversal {reversalId} of settlement {settlementId} is not in the database");
                }
            }

            foreach (var (apiKey, key) in voidedKeys)
            {
                if (snapshot.SettlementByKey(Hospitals.CodeOfKey[apiKey], key) is { } settled)
                {
                    problems.Add($"{when}: key {key} was voided by 冲正, yet settlement {settled.Id} exists under it");
                }
            }

            foreach (var item in lost.OfType<LostSettlement>())
            {
                item.FoundAfterKill ??= snapshot.SettlementByKey(item.Sent.HospitalCode, item.Sent.Key)?.Id;
            }

            if (final)
            {
                // Every lost answer is resolved by now, so every settlement in the database is one the hospitals know of.
                var known = acked.Keys.Concat(ackedReversals.Keys).ToHashSet();
                foreach (var row in snapshot.Settlements.Where(row => !known.Contains(row.Id)))
                {
                    problems.Add($"{when}: settlement {row.Id} (key {row.IdempotencyKey}) is in the database but no hospital was ever told of it");
                }

                foreach (var row in snapshot.Settlements.Where(row => !row.IsSettled && !ackedReversals.ContainsKey(row.Id)))
                {
                    problems.Add($"{when}: settlement {row.Id} is reversed but no reversal of it was acknowledged");
                }
            }
        }
    }

    private async Task<ApiAnswer> SettleAsync(SentSettlement sent) =>
        await Busy(() => api.SettleAsync(server.BaseAddress, sent.ApiKey, sent.Key, sent.Json, CancellationToken.None));

    /// <summary>503 busy means nothing was recorded and the same request may be sent again: do so.</summary>
    private async Task<ApiAnswer> Busy(Func<Task<ApiAnswer>> send)
    {
        for (var attempt = 1; ; attempt++)
        {
            var answer = await send();
            Interlocked.Increment(ref requests);
            if (answer.Lost)
            {
                Interlocked.Increment(ref lostAnswers);
            }

            if (answer.Status != HttpStatusCode.ServiceUnavailable || attempt == 20)
            {
                return answer;
            }

            Interlocked.Increment(ref busyAnswers);
            await Task.Delay(50 * attempt);
        }
    }

    private AckedSettlement? Acknowledge(SentSettlement sent, ApiAnswer answer)
    {
        var response = answer.Read<SettlementResponse>();
        var bill = sent.Request.Amounts;
        var valid = response.Status == SettlementStatus.Settled
                    && string.Equals(response.VisitNumber, sent.Request.VisitNumber, StringComparison.OrdinalIgnoreCase)
                    && response.HospitalCode == sent.HospitalCode
                    && response.Amounts.Total == bill.Total
                    && response.Channels.Count == 5
                    && response.AssistanceTotal == response.Channels.Skip(1).Sum(channel => channel.Amount)
                    && bill.Total == bill.BasicInsurancePaid + bill.CriticalIllnessInsurancePaid + bill.OtherInsurancePaid + response.AssistanceTotal + response.PatientPays;
        var settled = new AckedSettlement(sent, response);
        lock (sync)
        {
            if (!valid)
            {
                problems.Add($"settlement acknowledged with a wrong body for key {sent.Key}: {answer}");
                return null;
            }

            if (acked.TryGetValue(response.SettlementId, out var earlier) && !SameSettlement(earlier.Response, response))
            {
                problems.Add($"settlement {response.SettlementId} acknowledged twice with different bodies");
            }

            acked[response.SettlementId] = settled;
        }

        return settled;
    }

    private void AcknowledgeReversal(Guid settlementId, ReversalResponse reversal, decimal? fundsSettled)
    {
        lock (sync)
        {
            if (reversal.SettlementId != settlementId || (fundsSettled is { } funds && reversal.FundsRestored != funds))
            {
                problems.Add($"reversal {reversal.ReversalId} acknowledged for settlement {settlementId} restores {reversal.FundsRestored} of {reversal.SettlementId}; expected {fundsSettled}");
            }

            if (ackedReversals.TryGetValue(settlementId, out var earlier) && earlier != reversal.ReversalId)
            {
                problems.Add($"settlement {settlementId} acknowledged as reversed by two reversals {earlier} and {reversal.ReversalId}");
            }

            ackedReversals[settlementId] = reversal.ReversalId;
        }

        Interlocked.Increment(ref reversalsAcked);
    }

    private void AcknowledgeVoid(SentSettlement sent)
    {
        lock (sync)
        {
            voidedKeys.Add((sent.ApiKey, sent.Key));
        }

        Interlocked.Increment(ref voidsAcked);
    }

    private decimal? AckedFundsSettled(Guid settlementId)
    {
        lock (sync)
        {
            return acked.TryGetValue(settlementId, out var settled) ? settled.Response.FundsSettled : null;
        }
    }

    private void Lose(LostRequest item)
    {
        lock (sync)
        {
            lost.Add(item);
        }
    }

    private void Resolved(LostRequest item)
    {
        lock (sync)
        {
            lost.Remove(item);
        }
    }

    private LostRequest? OwnLost(int worker)
    {
        lock (sync)
        {
            return lost.FirstOrDefault(item => item.Worker == worker);
        }
    }

    private void Problem(string problem)
    {
        lock (sync)
        {
            problems.Add(problem);
        }
    }

    private static AckedSettlement Take(List<AckedSettlement> open, Random random)
    {
        var index = random.Next(open.Count);
        var taken = open[index];
        open.RemoveAt(index);
        return taken;
    }

    /// <summary>The same settlement with the same amounts (its status may have changed since).</summary>
    public static bool SameSettlement(SettlementResponse a, SettlementResponse b) => Differences(a, b).Count == 0;

    /// <summary>
    /// The fields in which two answers about one settlement differ. settledAt is compared to the millisecond: the SQLite
    /// store keeps instants to 0.1 ms (EF Core's DateTimeOffsetToBinaryConverter), the 201 carries them to 100 ns.
    /// </summary>
    public static IReadOnlyList<string> Differences(SettlementResponse a, SettlementResponse b)
    {
        var differences = new List<string>();
        Compare("settlementId", a.SettlementId, b.SettlementId);
        Compare("visitNumber", a.VisitNumber, b.VisitNumber);
        Compare("hospitalCode", a.HospitalCode, b.HospitalCode);
        Compare("serviceDate", a.ServiceDate, b.ServiceDate);
        Compare("policyVersion", a.PolicyVersion, b.PolicyVersion);
        Compare("amounts", a.Amounts, b.Amounts);
        Compare("channels", string.Join(",", a.Channels.Select(channel => $"{channel.Channel}={channel.Amount}")), string.Join(",", b.Channels.Select(channel => $"{channel.Channel}={channel.Amount}")));
        Compare("assistanceTotal", a.AssistanceTotal, b.AssistanceTotal);
        Compare("fundsSettled", a.FundsSettled, b.FundsSettled);
        Compare("patientPays", a.PatientPays, b.PatientPays);
        if ((a.SettledAt - b.SettledAt).Duration() >= TimeSpan.FromMilliseconds(1))
        {
            differences.Add($"settledAt {a.SettledAt:O} ≠ {b.SettledAt:O}");
        }

        return differences;

        void Compare<T>(string field, T x, T y)
        {
            if (!EqualityComparer<T>.Default.Equals(x, y))
            {
                differences.Add($"{field} {x} ≠ {y}");
            }
        }
    }

    private static bool SameAmounts(SettlementRow row, AckedSettlement settled, DatabaseSnapshot snapshot)
    {
        var response = settled.Response;
        return row.HospitalId == snapshot.HospitalIds[settled.Sent.HospitalCode]
               && row.IdempotencyKey == settled.Sent.Key
               && string.Equals(row.VisitNumber, response.VisitNumber, StringComparison.OrdinalIgnoreCase)
               && row.Channels.SequenceEqual(response.Channels.Select(channel => Bills.Fen(channel.Amount)))
               && row.AssistanceTotal == Bills.Fen(response.AssistanceTotal)
               && row.FundsSettled == Bills.Fen(response.FundsSettled)
               && row.PatientPays == Bills.Fen(response.PatientPays)
               && row.Total == Bills.Fen(response.Amounts.Total)
               && row.PolicyScope == Bills.Fen(response.Amounts.PolicyScope)
               && row.BasicInsurancePaid == Bills.Fen(response.Amounts.BasicInsurancePaid);
    }

    private string Report()
    {
        lock (sync)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"{database.Provider}: {killsDone} SIGKILLs, {server.Starts} starts, {clients} client loops, seed {seed}, load {loadTime.TotalSeconds:0.0} s, whole test {clock.Elapsed.TotalSeconds:0.0} s");
            text.AppendLine(CultureInfo.InvariantCulture, $"  requests {requests}, answers lost {lostAnswers}, busy (503) {busyAnswers}, staff calls {staffCalls}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  settlements acknowledged {acked.Count}; immediate retries replayed {duplicateReplays}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  lost settlements resent: replayed (had been recorded) {resentReplayed}, settled anew (had not) {resentSettledAnew}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  lost answers resolved by 冲正: reversed {reversedByRequestAfterLoss}, voided {voidedByRequestAfterLoss}");
            text.AppendLine(CultureInfo.InvariantCulture, $"  reversals acknowledged {reversalsAcked} ({ackedReversals.Count} settlements), keys voided {voidsAcked}, late originals refused {lateOriginalsRefused}");
            foreach (var line in timeline)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"  {line}");
            }

            text.Append(CultureInfo.InvariantCulture, $"  problems {problems.Count}");
            return text.ToString();
        }
    }
}

/// <summary>
/// Lets the client loops through while the API is up. The killer closes it, kills, and waits until every request in
/// flight at the kill has failed, so that the database can be read exactly as the crash left it.
/// </summary>
public sealed class ServerGate
{
    private readonly object sync = new();
    private TaskCompletionSource open = NewOpen();
    private int inFlight;

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (sync)
            {
                if (open.Task.IsCompleted)
                {
                    inFlight++;
                    return new Exit(this);
                }

                wait = open.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    public Task CloseAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (sync)
        {
            open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return Task.CompletedTask;
    }

    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref inFlight) > 0)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    public void Open()
    {
        lock (sync)
        {
            open.TrySetResult();
        }
    }

    private static TaskCompletionSource NewOpen()
    {
        var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.SetResult();
        return source;
    }

    private sealed class Exit(ServerGate gate) : IDisposable
    {
        private int exited;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref exited, 1) == 0)
            {
                Interlocked.Decrement(ref gate.inFlight);
            }
        }
    }
}
