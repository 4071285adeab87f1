using System.Diagnostics;
using System.Globalization;
using System.Net;
using MedicalAid.LoadDriver;

var options = LoadOptions.Parse(args, out var error, out var help);
if (options is null)
{
    if (error is not null)
    {
        await Console.Error.WriteLineAsync(error);
    }

    await (help ? Console.Out : Console.Error).WriteLineAsync(LoadOptions.Usage);
    return help ? 0 : 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C ends the run early and still reports; a second one kills the process.
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true;
        stop.Cancel();
    }
};

using var handler = new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.Clients,
    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
};
using var http = new HttpClient(handler, disposeHandler: false)
{
    BaseAddress = options.Url,
    Timeout = TimeSpan.FromSeconds(30),
};

var invariant = CultureInfo.InvariantCulture;
Console.WriteLine(string.Create(
    invariant,
    $"POST {options.Url}api/v1/settlements: {options.Clients} clients, warm-up {options.WarmupSeconds:0.##} s, measuring {options.DurationSeconds:0.##} s, seed {options.Seed}, inpatient share {options.InpatientShare:0.##}"));

var run = new LoadRun(options, http, Console.Out);
var workers = await run.RunAsync(stop.Token);
var ended = Math.Min(Stopwatch.GetTimestamp(), run.Deadline);

var measuredSeconds = Math.Max(0, Stopwatch.GetElapsedTime(run.MeasureStart, ended).TotalSeconds);
var requests = workers.Sum(worker => worker.Requests);
var settled = workers.Sum(worker => worker.Settled);
var warmupRequests = workers.Sum(worker => worker.WarmupRequests);
var failed = requests - settled;
var errors = workers
    .SelectMany(worker => worker.Errors)
    .GroupBy(entry => entry.Key, StringComparer.Ordinal)
    .Select(group => (Status: group.Key, Count: group.Sum(entry => entry.Value)))
    .OrderByDescending(entry => entry.Count)
    .ToList();

var latencies = workers.SelectMany(worker => worker.Latencies).ToArray();
Array.Sort(latencies);
double Percentile(double p) => latencies.Length == 0
    ? double.NaN
    : Milliseconds(latencies[Math.Clamp((int)Math.Ceiling(p / 100 * latencies.Length) - 1, 0, latencies.Length - 1)]);
static double Milliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

var settlementsPerSecond = measuredSeconds > 0 ? settled / measuredSeconds : 0;
var requestsPerSecond = measuredSeconds > 0 ? requests / measuredSeconds : 0;
double p50 = Percentile(50), p95 = Percentile(95), p99 = Percentile(99);
var max = latencies.Length == 0 ? double.NaN : Milliseconds(latencies[^1]);
var mean = latencies.Length == 0 ? double.NaN : Milliseconds((long)latencies.Average());

Console.WriteLine();
Console.WriteLine(string.Create(invariant, $"run id                 LD{run.RunId}{(stop.IsCancellationRequested ? " (stopped early)" : "")}"));
Console.WriteLine(string.Create(invariant, $"clients                {options.Clients}"));
Console.WriteLine(string.Create(invariant, $"measured seconds       {measuredSeconds:0.00}  (warm-up requests not counted: {warmupRequests})"));
Console.WriteLine(string.Create(invariant, $"total requests         {requests}  ({requestsPerSecond:0.0}/s)"));
Console.WriteLine(string.Create(invariant, $"successful settlements {settled}"));
Console.WriteLine(string.Create(invariant, $"settlements per second {settlementsPerSecond:0.0}"));
Console.WriteLine(string.Create(invariant, $"latency ms             p50 {p50:0.00}  p95 {p95:0.00}  p99 {p99:0.00}  max {max:0.00}  mean {mean:0.00}"));
Console.WriteLine(errors.Count == 0
    ? "errors by status       none"
    : "errors by status       " + string.Join("  ", errors.Select(entry => string.Create(invariant, $"{entry.Status}: {entry.Count}"))));
Console.WriteLine(string.Create(
    invariant,
    $"RESULT clients={options.Clients} rps={settlementsPerSecond:0.0} p50={p50:0.0} p95={p95:0.0} p99={p99:0.0} errors={failed}"));

// Exit 1 when more than 1% of the measured requests failed, or nothing was measured at all.
return requests == 0 || failed * 100 > requests ? 1 : 0;
