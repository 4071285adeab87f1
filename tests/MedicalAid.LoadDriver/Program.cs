using System.Globalization;
using MedicalAid.LoadDriver;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl+C ends the run early (a plain run still reports); a second one kills the process.
    if (!stop.IsCancellationRequested)
    {
        e.Cancel = true;
        stop.Cancel();
    }
};

var verb = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : null;
try
{
    switch (verb)
    {
        case null:
            return await PlainRunAsync(args, stop.Token);
        case "benchmark":
            return await RunVerbAsync(args, BenchmarkCommand.Usage, ["keep", "no-half"], BenchmarkCommand.RunAsync, stop.Token);
        case "growth":
            return await RunVerbAsync(args, GrowthCommand.Usage, ["keep"], GrowthCommand.RunAsync, stop.Token);
        case "profile":
            return await RunVerbAsync(args, ProfileCommand.Usage, ["keep", "no-diagnostics"], ProfileCommand.RunAsync, stop.Token);
        default:
            await Console.Error.WriteLineAsync($"Unknown verb '{verb}'.");
            await Console.Error.WriteLineAsync(LoadOptions.Usage);
            return 2;
    }
}
catch (UsageException exception)
{
    await Console.Error.WriteLineAsync(exception.Message);
    return 2;
}

static async Task<int> RunVerbAsync(
    string[] args, string usage, string[] flags, Func<CommandLine, CancellationToken, Task<int>> run, CancellationToken stop)
{
    var options = new CommandLine(args.Skip(1), flags.ToHashSet(StringComparer.Ordinal));
    if (options.Help)
    {
        await Console.Out.WriteLineAsync(usage);
        return 0;
    }

    return await run(options, stop);
}

// The original mode: one closed-loop run against an API that is already running with demo data.
static async Task<int> PlainRunAsync(string[] args, CancellationToken stop)
{
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

    using var http = SettlementSender.CreateClient(options.Url, options.Clients);
    var invariant = CultureInfo.InvariantCulture;
    Console.WriteLine(string.Create(
        invariant,
        $"POST {options.Url}api/v1/settlements: {options.Clients} clients, warm-up {options.WarmupSeconds:0.##} s, measuring {options.DurationSeconds:0.##} s, seed {options.Seed}, inpatient share {options.InpatientShare:0.##}"));

    var sender = new SettlementSender(http, DemoData.ActiveBeneficiaries, DemoData.HospitalApiKeys, options.Clients, options.Seed, options.InpatientShare, Console.Out);
    var result = await ClosedLoop.RunAsync(
        options.Clients, TimeSpan.FromSeconds(options.WarmupSeconds), TimeSpan.FromSeconds(options.DurationSeconds), sender.SettleAsync, stop);
    var latency = result.Latency;
    var requests = result.Completed + result.Failed;

    Console.WriteLine();
    Console.WriteLine(string.Create(invariant, $"run id                 LD{sender.RunId}{(stop.IsCancellationRequested ? " (stopped early)" : "")}"));
    Console.WriteLine(string.Create(invariant, $"clients                {options.Clients}"));
    Console.WriteLine(string.Create(invariant, $"measured seconds       {result.Seconds:0.00}"));
    Console.WriteLine(string.Create(invariant, $"total requests         {requests}  ({(result.Seconds > 0 ? requests / result.Seconds : 0):0.0}/s)"));
    Console.WriteLine(string.Create(invariant, $"successful settlements {result.Completed}"));
    Console.WriteLine(string.Create(invariant, $"settlements per second {result.PerSecond:0.0}"));
    Console.WriteLine(string.Create(invariant, $"latency ms             p50 {latency.P50:0.00}  p95 {latency.P95:0.00}  p99 {latency.P99:0.00}  max {latency.Max:0.00}  mean {latency.Mean:0.00}"));
    Console.WriteLine("errors by status       " + result.ErrorText);
    Console.WriteLine(string.Create(
        invariant,
        $"RESULT clients={options.Clients} rps={result.PerSecond:0.0} p50={latency.P50:0.0} p95={latency.P95:0.0} p99={latency.P99:0.0} errors={result.Failed}"));

    // Exit 1 when more than 1% of the measured requests failed, or nothing was measured at all.
    return requests == 0 || result.Failed * 100 > requests ? 1 : 0;
}
