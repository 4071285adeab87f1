using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using MedicalAid.Contracts;

namespace MedicalAid.LoadDriver;

/// <summary>What one worker saw inside the measured window.</summary>
internal sealed class WorkerStats
{
    /// <summary>Latency of every request that completed inside the window, in stopwatch ticks.</summary>
    public List<long> Latencies { get; } = new(capacity: 16_384);

    /// <summary>Failed requests by status ("500", "409", "timeout", "HttpRequestException", ...).</summary>
    public Dictionary<string, long> Errors { get; } = new(StringComparer.Ordinal);

    public long Requests { get; set; }

    public long Settled { get; set; }

    /// <summary>Requests that completed during the warm-up (not counted anywhere else).</summary>
    public long WarmupRequests { get; set; }
}

/// <summary>
/// Runs <see cref="LoadOptions.Clients"/> workers against POST /api/v1/settlements until the deadline. A request counts
/// when it completes inside [warm-up end, deadline]; requests still in flight at the deadline are not counted.
/// </summary>
internal sealed class LoadRun(LoadOptions options, HttpClient http, TextWriter log)
{
    private const int MaxErrorBodiesShown = 5;
    private const int MaxErrorBodyLength = 4_000;

    private static readonly TimeSpan ChinaStandardTimeOffset = TimeSpan.FromHours(8);

    private readonly string runId = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private int errorBodiesShown;

    public string RunId => runId;

    public long MeasureStart { get; private set; }

    public long Deadline { get; private set; }

    public async Task<IReadOnlyList<WorkerStats>> RunAsync(CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        MeasureStart = started + (long)(options.WarmupSeconds * Stopwatch.Frequency);
        Deadline = MeasureStart + (long)(options.DurationSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, options.Clients)
            .Select(worker => Task.Run(() => WorkerAsync(worker, stop), CancellationToken.None))
            .ToArray();
        return await Task.WhenAll(workers);
    }

    private async Task<WorkerStats> WorkerAsync(int worker, CancellationToken stop)
    {
        var stats = new WorkerStats();
        var bills = new BillFactory(unchecked(options.Seed + worker), options.InpatientShare, runId, worker);
        var keys = DemoData.HospitalApiKeys;
        for (var n = 0L; !stop.IsCancellationRequested && Stopwatch.GetTimestamp() < Deadline; n++)
        {
            var yesterday = DateOnly.FromDateTime(DateTime.UtcNow + ChinaStandardTimeOffset).AddDays(-1);
            var request = bills.Next(yesterday);
            using var message = new HttpRequestMessage(HttpMethod.Post, "api/v1/settlements")
            {
                Content = JsonContent.Create(request),
            };
            message.Headers.Add("X-Api-Key", keys[(int)((worker + n) % keys.Count)]);
            message.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());

            string? failure;
            string? body = null;
            HttpResponseMessage? response = null;
            var begin = Stopwatch.GetTimestamp();
            try
            {
                // ResponseContentRead: the latency includes reading the whole body.
                response = await http.SendAsync(message, HttpCompletionOption.ResponseContentRead, stop);
                failure = response.StatusCode == HttpStatusCode.Created
                    ? null
                    : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (TaskCanceledException)
            {
                failure = "timeout";
            }
            catch (HttpRequestException exception)
            {
                failure = nameof(HttpRequestException);
                body = exception.Message;
            }

            var end = Stopwatch.GetTimestamp();
            using (response)
            {
                if (response is not null)
                {
                    if (failure is null)
                    {
                        failure = await CheckSettledAsync(response, request, stop);
                    }
                    else
                    {
                        body = await response.Content.ReadAsStringAsync(stop);
                    }
                }
            }

            if (failure is not null)
            {
                ShowError(worker, request, failure, body, measured: end >= MeasureStart);
            }

            if (end < MeasureStart)
            {
                stats.WarmupRequests++;
                continue;
            }

            if (end > Deadline)
            {
                break;
            }

            stats.Requests++;
            stats.Latencies.Add(end - begin);
            if (failure is null)
            {
                stats.Settled++;
            }
            else
            {
                stats.Errors[failure] = stats.Errors.GetValueOrDefault(failure) + 1;
            }
        }

        return stats;
    }

    /// <summary>A 201 must carry a settled settlement of the visit just sent; anything else is counted as an error.</summary>
    private static async Task<string?> CheckSettledAsync(HttpResponseMessage response, SettlementRequest request, CancellationToken stop)
    {
        try
        {
            var settlement = await response.Content.ReadFromJsonAsync<SettlementResponse>(stop);
            return settlement is { Status: SettlementStatus.Settled } && settlement.VisitNumber == request.VisitNumber
                ? null
                : "201-unexpected-body";
        }
        catch (System.Text.Json.JsonException)
        {
            return "201-unreadable-body";
        }
    }

    private void ShowError(int worker, SettlementRequest request, string failure, string? body, bool measured)
    {
        if (Interlocked.Increment(ref errorBodiesShown) > MaxErrorBodiesShown)
        {
            return;
        }

        if (body is { Length: > MaxErrorBodyLength })
        {
            body = body[..MaxErrorBodyLength] + " …";
        }

        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"[error] {failure}{(measured ? "" : " (warm-up)")} worker {worker}, visit {request.VisitNumber} ({request.VisitType}, {request.Patient.Name}, total {request.Amounts.Total}):{Environment.NewLine}  {body ?? "(no body)"}");
        lock (log)
        {
            log.WriteLine(text);
        }
    }
}
