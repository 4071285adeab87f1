using System.Diagnostics;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using MedicalAid.Client;
using MedicalAid.Contracts;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Refit;

namespace MedicalAid.MockHospital.Driving;

/// <summary>
/// Settles a plan of discharges against MedicalAid as the planned hospitals' billing systems would: settle, record the answer
/// in the hospital's books, resend some with the same Idempotency-Key (expecting the original back, marked
/// <c>Idempotent-Replayed</c>), and reverse some. Discharges start in plan order, at most <c>concurrency</c> at a time and,
/// given a rate, no faster than that many per second.
/// </summary>
internal sealed class DischargeDriver
{
    public const string ReplayedHeader = MedicalAidApiResponses.ReplayedHeader;
    public const string ReversalReason = "录入错误（模拟医院撤销）";

    private readonly IReadOnlyDictionary<string, HospitalConnection> connections;
    private readonly IReadOnlyList<PlannedVisit> plan;
    private readonly TimeProvider time;

    public DischargeDriver(IEnumerable<HospitalConnection> connections, IReadOnlyList<PlannedVisit> plan, TimeZoneInfo zone, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        this.connections = connections.ToDictionary(connection => connection.Account.Code, StringComparer.Ordinal);
        this.plan = plan;
        this.time = time ?? TimeProvider.System;
        Books = this.connections.Keys.ToDictionary(code => code, code => new HospitalBooks(code, zone), StringComparer.Ordinal);
        Statistics = new RunStatistics(this.connections.Keys);
        foreach (var visit in plan)
        {
            Statistics.For(visit.HospitalCode).Planned++;
        }
    }

    public IReadOnlyDictionary<string, HospitalBooks> Books { get; }

    public RunStatistics Statistics { get; }

    public async Task RunAsync(int concurrency, double ratePerSecond, CancellationToken cancellationToken)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Paced(ratePerSecond, cancellationToken), options, (visit, token) => new ValueTask(DischargeAsync(visit, token)));
    }

    private async IAsyncEnumerable<PlannedVisit> Paced(double ratePerSecond, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        for (var index = 0; index < plan.Count; index++)
        {
            if (ratePerSecond > 0)
            {
                var wait = TimeSpan.FromSeconds(index / ratePerSecond) - time.GetElapsedTime(start);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, cancellationToken);
                }
            }

            yield return plan[index];
        }
    }

    private async Task DischargeAsync(PlannedVisit visit, CancellationToken cancellationToken)
    {
        var counters = Statistics.For(visit.HospitalCode);
        try
        {
            var settlement = await SettleAsync(visit, cancellationToken);
            if (settlement is null)
            {
                return;
            }

            if (visit.Resend)
            {
                await ResendAsync(visit, settlement, cancellationToken);
            }

            if (visit.Reverse)
            {
                await ReverseAsync(visit, settlement, cancellationToken);
            }
        }
        finally
        {
            Interlocked.Increment(ref counters.Done);
        }
    }

    private async Task<SettlementResponse?> SettleAsync(PlannedVisit visit, CancellationToken cancellationToken)
    {
        var api = connections[visit.HospitalCode].Api;
        var counters = Statistics.For(visit.HospitalCode);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await api.SettleAsync(visit.Request, visit.IdempotencyKey, cancellationToken);
            Statistics.AddSettlementLatency(Stopwatch.GetTimestamp() - started);
            var settlement = response.ContentOrThrow();
            Books[visit.HospitalCode].Record(settlement);
            Interlocked.Increment(ref counters.Settled);
            if (response.IsReplay())
            {
                // Only a retry of the client's own after a lost answer is replayed on a first send.
                Interlocked.Increment(ref counters.Recovered);
            }

            return settlement;
        }
        catch (Exception exception) when (IsTransport(exception, cancellationToken) || IsUnreadableSuccess(exception))
        {
            // The answer is lost, not necessarily the settlement. The patient must not leave before the outcome is
            // known: resend under the same key (the API answers with the settlement if there is one), and if that
            // fails too, reverse by request (冲正), which reverses it or voids the key so it can never settle late.
            if (await ResolveLostAnswerAsync(visit, cancellationToken) is { } settled)
            {
                return settled;
            }

            Statistics.AddError(visit.HospitalCode, ErrorKind(exception));
            return null;
        }
        catch (Exception exception) when (IsAnswered(exception))
        {
            Statistics.AddError(visit.HospitalCode, ErrorKind(exception));
            return null;
        }
    }

    private async Task<SettlementResponse?> ResolveLostAnswerAsync(PlannedVisit visit, CancellationToken cancellationToken)
    {
        var api = connections[visit.HospitalCode].Api;
        var counters = Statistics.For(visit.HospitalCode);
        try
        {
            using var again = await api.SettleAsync(visit.Request, visit.IdempotencyKey, cancellationToken);
            var settlement = again.ContentOrThrow();
            Books[visit.HospitalCode].Record(settlement);
            Interlocked.Increment(ref counters.Settled);
            Interlocked.Increment(ref counters.Recovered);
            return settlement;
        }
        catch (Exception exception) when (IsTransport(exception, cancellationToken) || IsUnreadableSuccess(exception))
        {
            // Still no answer: settle nothing rather than something unknown.
        }
        catch (Exception exception) when (IsAnswered(exception))
        {
            Statistics.AddError(visit.HospitalCode, ErrorKind(exception));
            return null;
        }

        try
        {
            var outcome = await api.ReverseByRequestAsync(new ReversalByRequest { OriginalIdempotencyKey = visit.IdempotencyKey, Reason = ReversalReason }, cancellationToken);
            if (outcome is { Outcome: ReversalByRequestOutcome.Reversed, Reversal: { } reversal })
            {
                // It had settled: book the settlement and its reversal, so both sides still reconcile.
                Books[visit.HospitalCode].Record(await api.GetSettlementAsync(reversal.SettlementId, cancellationToken));
                Books[visit.HospitalCode].Record(reversal);
            }

            Statistics.AddError(visit.HospitalCode, outcome.Outcome == ReversalByRequestOutcome.Reversed ? "lost-answer-reversed" : "lost-answer-voided");
        }
        catch (Exception exception) when (IsTransport(exception, cancellationToken) || IsAnswered(exception))
        {
            Statistics.AddError(visit.HospitalCode, "outcome-unknown");
        }

        return null;
    }

    private async Task ResendAsync(PlannedVisit visit, SettlementResponse original, CancellationToken cancellationToken)
    {
        var api = connections[visit.HospitalCode].Api;
        try
        {
            using var response = await api.SettleAsync(visit.Request, visit.IdempotencyKey, cancellationToken);
            var replay = response.ContentOrThrow();
            if (response.IsReplay() && replay.SettlementId == original.SettlementId)
            {
                Interlocked.Increment(ref Statistics.For(visit.HospitalCode).Replayed);
            }
            else
            {
                Statistics.AddError(visit.HospitalCode, "replay-not-marked-or-different");
            }
        }
        catch (Exception exception) when (IsTransport(exception, cancellationToken) || IsAnswered(exception))
        {
            Statistics.AddError(visit.HospitalCode, ErrorKind(exception));
        }
    }

    private async Task ReverseAsync(PlannedVisit visit, SettlementResponse settlement, CancellationToken cancellationToken)
    {
        var api = connections[visit.HospitalCode].Api;
        try
        {
            var reversal = await api.ReverseAsync(settlement.SettlementId, new ReversalRequest { Reason = ReversalReason }, visit.ReversalKey, cancellationToken);
            Books[visit.HospitalCode].Record(reversal);
            Interlocked.Increment(ref Statistics.For(visit.HospitalCode).Reversed);
        }
        catch (Exception exception) when (IsTransport(exception, cancellationToken) || IsAnswered(exception))
        {
            Statistics.AddError(visit.HospitalCode, ErrorKind(exception));
        }
    }

    /// <summary>Failures after which the request may or may not have been carried out: the client gave up waiting.</summary>
    private static bool IsTransport(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException or TimeoutRejectedException or BrokenCircuitException or ApiRequestException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    /// <summary>A 2xx whose body could not be read: the money may have moved, so the outcome is unknown.</summary>
    private static bool IsUnreadableSuccess(Exception exception) =>
        exception is JsonException || exception is ApiException { StatusCode: >= HttpStatusCode.OK and < HttpStatusCode.MultipleChoices };

    /// <summary>Failures where MedicalAid answered, and refused.</summary>
    private static bool IsAnswered(Exception exception) => exception is MedicalAidProblemException or ApiException or JsonException;

    public static string ErrorKind(Exception exception) => exception switch
    {
        ApiRequestException { InnerException: { } transport } => ErrorKind(transport),
        MedicalAidProblemException { Type: { } type } => type.StartsWith(ProblemTypes.Prefix, StringComparison.Ordinal) ? type[ProblemTypes.Prefix.Length..] : type,
        MedicalAidProblemException problem => $"http-{(int)problem.Status}",
        ApiException api => $"http-{(int)api.StatusCode}",
        TimeoutRejectedException or OperationCanceledException => "timeout",
        BrokenCircuitException => "circuit-open",
        HttpRequestException { StatusCode: HttpStatusCode status } => $"http-{(int)status}",
        HttpRequestException => "connection",
        JsonException => "unreadable-answer",
        _ => exception.GetType().Name,
    };
}
