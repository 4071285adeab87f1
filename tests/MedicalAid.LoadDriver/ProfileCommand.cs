using System.Globalization;

namespace MedicalAid.LoadDriver;

/// <summary>
/// <c>profile</c>: where a settlement's time goes on PostgreSQL. The API runs as in <c>benchmark</c>, but its
/// database connections pass through <see cref="PgWireProxy"/>, which counts round trips and statements per
/// settlement and times them; pg_stat_activity is sampled for lock waits. Two runs: one client (no contention: the
/// latency split into database and API time) and <c>--clients</c> (what the backends wait for).
/// </summary>
internal static class ProfileCommand
{
    public const string Usage = $"""
        profile: round trips, statements and lock waits per settlement on PostgreSQL (the API behind a counting proxy).

        Options:
          --clients <n>              clients of the contended run                  (default 8)
          --sample-ms <n>            pg_stat_activity sampling interval            (default 20)
          --per-category <n>         generated beneficiaries per category (×7)     (default 10000)
          --no-diagnostics           skip dotnet-counters and dotnet-trace on the contended run (used when installed)
        {BenchmarkSettings.CommonUsage}
        """;

    public static async Task<int> RunAsync(CommandLine options, CancellationToken stop)
    {
        var clients = options.Int("clients", 8, 1, 1_000);
        var sampleInterval = TimeSpan.FromMilliseconds(options.Int("sample-ms", 20, 1, 10_000));
        var diagnostics = !options.Flag("no-diagnostics");
        var settings = BenchmarkSettings.Parse(options, "profile");
        options.RejectUnknown();
        var log = Console.Out;
        foreach (var line in await settings.DescribeMachineAsync(stop))
        {
            await log.WriteLineAsync(line);
        }

        var server = settings.Postgres;
        var database = $"medicalaid_profile_{settings.RunId}";
        await server.CreateDatabaseAsync(database, stop);
        try
        {
            await using var proxy = new PgWireProxy(server.Host, server.Port);
            var token = new StaffToken();
            var connectionString = new Npgsql.NpgsqlConnectionStringBuilder(server.ConnectionString(database, settings.PostgresConnectionExtra))
            {
                Host = "127.0.0.1",
                Port = proxy.Port,
                SslMode = Npgsql.SslMode.Disable,
            }.ConnectionString;
            await using var api = await ApiProcess.StartAsync(
                settings.ApiDll, settings.ApiEnvironmentFor(token, "Postgres", connectionString), Path.Combine(settings.WorkDirectory, "api-postgres.log"), stop);
            var population = Population.Generate(settings.PerCategory);
            await log.WriteLineAsync($"database {database}, API connections through the proxy on port {proxy.Port}");
            await BenchmarkCommand.PrepareAsync(api, token, population, log, stop);
            await BenchmarkCommand.WarmUpAsync(settings, api, population, log, stop);

            foreach (var runClients in new[] { 1, clients }.Distinct())
            {
                var tools = diagnostics && runClients > 1
                    ? await DotnetDiagnostics.StartAsync(api.Pid, settings.Duration + TimeSpan.FromSeconds(2), settings.WorkDirectory, log)
                    : null;
                await using var sampler = await ActivitySampler.StartAsync(server, database, sampleInterval, stop);
                var before = proxy.Stats.Snapshot();
                // No warm-up inside the window (the API is warm): every statement the proxy counts belongs to a measured request.
                var measurement = await BenchmarkCommand.MeasureApiAsync(
                    settings with { Warmup = TimeSpan.Zero }, api, "PostgreSQL", runClients, null, population, () => server.BackendPids(database), stop);
                var wire = proxy.Stats.Snapshot().Minus(before);
                var activity = await sampler.StopAsync();
                await ReportAsync(log, measurement, wire, activity, sampler.Samples);
                if (tools is not null)
                {
                    await tools.ReportAsync(measurement.Result.Completed, log);
                }
            }
        }
        finally
        {
            if (!settings.Keep)
            {
                await server.DropDatabaseAsync(database, CancellationToken.None);
                Directory.Delete(settings.WorkDirectory, recursive: true);
            }
        }

        return 0;
    }

    private static async Task ReportAsync(TextWriter log, Measurement measurement, WireSnapshot wire, IReadOnlyList<(string State, double Backends)> activity, long samples)
    {
        var invariant = CultureInfo.InvariantCulture;
        var result = measurement.Result;
        // Per settlement request sent in the window (with warm-up 0, the proxy saw exactly these, including the last
        // request of each client that ended after the window).
        var settlements = Math.Max(1, result.Issued);
        double Per(double value) => value / settlements;

        await log.WriteLineAsync();
        await log.WriteLineAsync(string.Create(invariant, $"== {measurement.Clients} client(s), closed loop: {result.PerSecond:0.0} settlements/s, latency p50 {result.Latency.P50:0.0} / p95 {result.Latency.P95:0.0} / p99 {result.Latency.P99:0.0} ms, mean {result.Latency.Mean:0.0} ms"));
        await log.WriteLineAsync(string.Create(invariant, $"per settlement: {Per(wire.RoundTripCount):0.00} round trips, {Per(wire.StatementCount):0.00} SQL statements, {Per(wire.RoundTripMilliseconds):0.00} ms waiting for PostgreSQL (sum of round trips), {Per(Clock.Milliseconds(wire.InTransactionClientTicks)):0.00} ms inside an open transaction waiting for the API"));
        if (measurement.Clients == 1)
        {
            var database = Per(wire.RoundTripMilliseconds);
            await log.WriteLineAsync(string.Create(invariant, $"one client, mean latency {result.Latency.Mean:0.00} ms = {database:0.00} ms in PostgreSQL round trips + {result.Latency.Mean - database:0.00} ms in the API, HTTP and the driver"));
        }

        if (measurement.Cpu is { } cpu)
        {
            await log.WriteLineAsync("CPU: " + cpu.PerOperation(result.Completed));
        }

        await log.WriteLineAsync(string.Create(invariant, $"protocol messages per settlement: {string.Join(", ", wire.Messages.Where(entry => entry.Value > 0).OrderByDescending(entry => entry.Value).Select(entry => string.Create(invariant, $"{entry.Key} {Per(entry.Value):0.00}")))}"));
        await log.WriteLineAsync("statements per settlement:");
        foreach (var (text, count) in wire.Statements.Where(entry => entry.Value > 0).OrderByDescending(entry => entry.Value))
        {
            await log.WriteLineAsync(string.Create(invariant, $"  {Per(count),5:0.00}  {PgWireProxy.Label(text),-45} {(text.Length > 160 ? text[..160] + " …" : text)}"));
        }

        await log.WriteLineAsync("round trips per settlement (statements sent together), with their mean time:");
        foreach (var (label, (count, ticks)) in wire.RoundTrips.Where(entry => entry.Value.Count > 0).OrderByDescending(entry => entry.Value.Ticks))
        {
            await log.WriteLineAsync(string.Create(invariant, $"  {Per(count),5:0.00} × {Clock.Milliseconds(ticks) / count,7:0.00} ms  {label}"));
        }

        await log.WriteLineAsync(string.Create(invariant, $"backends of the API's database, average number in each state ({samples} samples):"));
        foreach (var (state, backends) in activity.Where(entry => entry.Backends >= 0.005))
        {
            await log.WriteLineAsync(string.Create(invariant, $"  {backends,6:0.00}  {state}"));
        }

    }
}
