using System.Globalization;
using Microsoft.Data.Sqlite;

namespace MedicalAid.LoadDriver;

/// <summary>
/// <c>benchmark</c>: the API against its database's own limit, side by side, in one run. For each client count:
/// PostgreSQL (pgbench tpcb-like at scale 1, then the API as a real process on a fresh database) and SQLite (a raw
/// settlement-shaped transaction on a copy of the API's prepared database file, then the API on that file), each
/// closed loop (peak) and then open loop at half of that peak.
/// </summary>
internal static class BenchmarkCommand
{
    private static int runs;

    public const string Usage = $"""
        benchmark: settlement throughput and latency of the API against the database's own limit, in one run.

        Options:
          --clients <list>           client counts                                 (default 8,32)
          --databases <list>         postgres, sqlite or both                      (default postgres,sqlite)
          --no-half                  skip the open-loop runs at half of peak
          --rounds <n>               measure each pair (limit, then API) n times, alternating; goals
                                     use the medians, half of peak is half the median peak (default 1)
          --markdown <path>          also write the markdown table to this file
          --per-category <n>         generated beneficiaries per category (×7)     (default 10000)
        {BenchmarkSettings.CommonUsage}
        """;

    public static async Task<int> RunAsync(CommandLine options, CancellationToken stop)
    {
        var clientCounts = options.IntList("clients", [8, 32], 1, 1_000);
        var databases = options.String("databases", "postgres,sqlite").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (databases.Length == 0 || databases.Any(database => database is not ("postgres" or "sqlite")))
        {
            throw new UsageException("--databases: postgres, sqlite or postgres,sqlite.");
        }

        var half = !options.Flag("no-half");
        var rounds = options.Int("rounds", 1, 1, 20);
        var markdownPath = options.OptionalString("markdown");
        var settings = BenchmarkSettings.Parse(options, "bench");
        options.RejectUnknown();

        var log = Console.Out;
        var machine = await settings.DescribeMachineAsync(stop);
        foreach (var line in machine)
        {
            await log.WriteLineAsync(line);
        }

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"clients {string.Join(",", clientCounts)}; {rounds} round(s); warm-up {settings.Warmup.TotalSeconds:0} s + {settings.Duration.TotalSeconds:0} s measured per run; population {settings.PerCategory * Population.Categories.Count:N0} ({settings.PerCategory:N0} per category); work dir {settings.WorkDirectory}"));

        var population = Population.Generate(settings.PerCategory);
        var measurements = new List<Measurement>();
        var notes = new List<string>();
        if (databases.Contains("postgres"))
        {
            await PostgresAsync(settings, clientCounts, new Plan(half, rounds), population, measurements, notes, log, stop);
        }

        if (databases.Contains("sqlite"))
        {
            await SqliteAsync(settings, clientCounts, new Plan(half, rounds), population, measurements, notes, log, stop);
        }

        await log.WriteLineAsync();
        await log.WriteLineAsync("Results");
        foreach (var measurement in measurements)
        {
            await log.WriteLineAsync(measurement.Line());
        }

        await log.WriteLineAsync();
        await log.WriteLineAsync("CPU per operation (2 cores shared with whatever else runs on the machine)");
        foreach (var measurement in measurements.Where(m => m.Cpu is not null))
        {
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {measurement.Database,-10} {measurement.System,-34} {measurement.Clients,3} {(measurement.OpenLoopRate is null ? "closed" : "open  ")}{measurement.RoundTag}: {measurement.Cpu!.PerOperation(measurement.Result.Completed)}"));
        }

        foreach (var note in notes)
        {
            await log.WriteLineAsync(note);
        }

        var markdown = string.Join(Environment.NewLine, machine.Select(line => "- " + line)) + Environment.NewLine + Environment.NewLine + Report.Markdown(measurements);
        await log.WriteLineAsync();
        await log.WriteLineAsync("Goals (issue 7)");
        foreach (var goal in Report.Goals(measurements))
        {
            await log.WriteLineAsync("  " + goal);
            markdown += Environment.NewLine + "- " + goal;
        }

        await log.WriteLineAsync();
        await log.WriteLineAsync("Markdown");
        await log.WriteLineAsync(markdown);
        if (markdownPath is not null)
        {
            await File.WriteAllTextAsync(markdownPath, markdown + Environment.NewLine, stop);
        }

        if (!settings.Keep)
        {
            Directory.Delete(settings.WorkDirectory, recursive: true);
        }

        return measurements.Any(m => m.Result.Completed == 0 || m.Result.Failed * 100 > m.Result.Completed + m.Result.Failed) ? 1 : 0;
    }

    private static async Task PostgresAsync(
        BenchmarkSettings settings, IReadOnlyList<int> clientCounts, Plan plan, IReadOnlyList<PopulationMember> population,
        List<Measurement> measurements, List<string> notes, TextWriter log, CancellationToken stop)
    {
        var server = settings.Postgres;
        var pgbenchDatabase = $"medicalaid_bench_{settings.RunId}_pgbench";
        var apiDatabase = $"medicalaid_bench_{settings.RunId}_api";
        await server.CreateDatabaseAsync(pgbenchDatabase, stop);
        await server.CreateDatabaseAsync(apiDatabase, stop);
        try
        {
            var pgbench = new PgBench(server, pgbenchDatabase, settings.WorkDirectory, log);
            await log.WriteLineAsync($"PostgreSQL: pgbench -i -s 1 in {pgbenchDatabase}; API on {apiDatabase}");
            await pgbench.InitializeAsync(stop);

            var token = new StaffToken();
            var connectionString = settings.Postgres.ConnectionString(apiDatabase, settings.PostgresConnectionExtra);
            var environment = settings.ApiEnvironmentFor(token, "Postgres", connectionString);
            var apiLog = Path.Combine(settings.WorkDirectory, "api-postgres.log");

            // Prepared by one process, measured by a fresh one: the memory the staff import used is not the settlements'.
            await using (var preparing = await ApiProcess.StartAsync(settings.ApiDll, environment, apiLog, stop))
            {
                await PrepareAsync(preparing, token, population, log, stop);
            }

            await using var api = await ApiProcess.StartAsync(settings.ApiDll, environment, apiLog, stop);
            await WarmUpAsync(settings, api, population, log, stop);

            foreach (var clients in clientCounts)
            {
                await MeasureSideBySideAsync(
                    plan,
                    async rate =>
                    {
                        var (limit, cpu) = await pgbench.MeasureAsync(clients, settings.Warmup, settings.Duration, rate, stop);
                        return new Measurement("PostgreSQL", "pgbench tpcb-like, scale 1", clients, rate, limit, null, cpu);
                    },
                    rate => MeasureApiAsync(settings, api, "PostgreSQL", clients, rate, population, () => server.BackendPids(apiDatabase), stop),
                    measurements,
                    log);
            }

            notes.Add(await DescribePostgresRowsAsync(server, apiDatabase, stop));
        }
        finally
        {
            if (!settings.Keep)
            {
                await server.DropDatabaseAsync(pgbenchDatabase, CancellationToken.None);
                await server.DropDatabaseAsync(apiDatabase, CancellationToken.None);
            }
        }
    }

    private static async Task SqliteAsync(
        BenchmarkSettings settings, IReadOnlyList<int> clientCounts, Plan plan, IReadOnlyList<PopulationMember> population,
        List<Measurement> measurements, List<string> notes, TextWriter log, CancellationToken stop)
    {
        var apiFile = Path.Combine(settings.WorkDirectory, "api.db");
        var rawFile = Path.Combine(settings.WorkDirectory, "raw.db");
        var token = new StaffToken();
        var environment = settings.ApiEnvironmentFor(token, "Sqlite", new SqliteConnectionStringBuilder { DataSource = apiFile, DefaultTimeout = 30 }.ToString());
        var apiLog = Path.Combine(settings.WorkDirectory, "api-sqlite.log");
        await log.WriteLineAsync($"SQLite: API on {apiFile}; raw transactions on a copy, {rawFile}");

        // Prepare the file through the API, then copy it (closed) for the raw transactions: both start alike; the API
        // is then measured by a fresh process (the memory the staff import used is not the settlements').
        await using (var preparing = await ApiProcess.StartAsync(settings.ApiDll, environment, apiLog, stop))
        {
            await PrepareAsync(preparing, token, population, log, stop);
        }

        foreach (var suffix in new[] { "", "-wal" })
        {
            if (File.Exists(apiFile + suffix))
            {
                File.Copy(apiFile + suffix, rawFile + suffix, overwrite: true);
            }
        }

        await using var raw = await RawSqlite.OpenAsync(rawFile, clientCounts.Max(), stop);
        await using var api = await ApiProcess.StartAsync(settings.ApiDll, environment, apiLog, stop);
        await WarmUpAsync(settings, api, population, log, stop);
        foreach (var clients in clientCounts)
        {
            await MeasureSideBySideAsync(
                plan,
                async rate =>
                {
                    var meter = CpuMeter.Start(null, () => []);
                    var limit = await Loop.RunAsync(rate, clients, settings.Warmup, settings.Duration, raw.SettleAsync, stop);
                    return new Measurement("SQLite", "raw transaction (Microsoft.Data.Sqlite)", clients, rate, limit, null, meter.Stop());
                },
                rate => MeasureApiAsync(settings, api, "SQLite", clients, rate, population, () => [], stop),
                measurements,
                log);
        }

        notes.Add(string.Create(CultureInfo.InvariantCulture, $"SQLite raw transaction: {raw.LedgerRowsPerSettlement:0.00} ledger rows per settlement."));
        notes.Add(await DescribeSqliteRowsAsync(apiFile, stop));
    }

    /// <summary>What to measure at each client count: the open loop at half of peak or not, and how many rounds.</summary>
    internal sealed record Plan(bool Half, int Rounds);

    /// <summary>
    /// The limit and the API at one client count: closed loop (peak) <see cref="Plan.Rounds"/> times, limit and API
    /// alternating so that both see the same state of the machine (its disk's fsync time drifts by tens of percent from
    /// minute to minute on this virtual machine), each API run's ratio taken against the limit run just before it; then
    /// each open loop at half of its median peak, as many times.
    /// </summary>
    internal static async Task MeasureSideBySideAsync(
        Plan plan, Func<double?, Task<Measurement>> measureLimit, Func<double?, Task<Measurement>> measureApi, List<Measurement> measurements, TextWriter log)
    {
        var limitPeaks = new List<double>();
        var apiPeaks = new List<double>();
        for (var round = 1; round <= plan.Rounds; round++)
        {
            var limit = Add(measurements, log, await measureLimit(null) with { Round = Round(plan, round) });
            var peak = await measureApi(null);
            Add(measurements, log, peak with { Round = Round(plan, round), Ratio = Ratio(peak, limit) });
            limitPeaks.Add(limit.Result.PerSecond);
            apiPeaks.Add(peak.Result.PerSecond);
        }

        if (!plan.Half)
        {
            return;
        }

        var (limitRate, apiRate) = (Report.Median(limitPeaks) / 2, Report.Median(apiPeaks) / 2);
        for (var round = 1; round <= plan.Rounds; round++)
        {
            if (limitRate > 0)
            {
                Add(measurements, log, await measureLimit(limitRate) with { Round = Round(plan, round) });
            }

            if (apiRate > 0)
            {
                Add(measurements, log, await measureApi(apiRate) with { Round = Round(plan, round) });
            }
        }
    }

    private static int? Round(Plan plan, int round) => plan.Rounds > 1 ? round : null;

    /// <summary>Registers the population through the staff import and tops up every fund of the current service years.</summary>
    public static async Task PrepareAsync(ApiProcess api, StaffToken token, IReadOnlyList<PopulationMember> population, TextWriter log, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(api);
        var started = Clock.Now;
        await api.ImportPopulationAsync(token, population, stop);
        await api.TopUpFundsAsync(token, ApiProcess.CurrentServiceYears(), 5_000_000_000m, stop);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  registered {population.Count:N0} beneficiaries (staff CSV import) and topped up every fund by 5,000,000,000.00 in {Clock.Milliseconds(Clock.Now - started) / 1000:0.0} s"));
    }

    /// <summary>
    /// Settles unmeasured until <paramref name="settlements"/> succeeded (at least 20 s, at most 90 s), so that the measured
    /// runs do not pay for JIT compilation, tiering and first connections: on a busy machine the first requests take seconds,
    /// and after a 5 s warm-up the runtime's tiered-compilation thread still used 15% of the machine in the first
    /// measured run (1.3% after 20 s).
    /// </summary>
    public static async Task WarmUpAsync(
        BenchmarkSettings settings, ApiProcess api, IReadOnlyList<PopulationMember> population, TextWriter log, CancellationToken stop, int settlements = 300)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var started = Clock.Now;
        var settled = 0L;
        while (!stop.IsCancellationRequested)
        {
            var elapsed = Clock.Milliseconds(Clock.Now - started) / 1000;
            if ((settled >= settlements && elapsed >= 20) || elapsed >= 90)
            {
                break;
            }

            var slice = await MeasureApiAsync(settings with { Warmup = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(2.5) }, api, "", 4, null, population, () => [], stop);
            settled += slice.Result.Completed;
        }

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  warmed up the API: {settled} settlements in {Clock.Milliseconds(Clock.Now - started) / 1000:0} s, unmeasured"));
    }

    /// <summary>Fresh settlements against a running API, closed loop at <paramref name="clients"/> or open loop at <paramref name="perSecond"/>.</summary>
    public static async Task<Measurement> MeasureApiAsync(
        BenchmarkSettings settings, ApiProcess api, string database, int clients, double? perSecond,
        IReadOnlyList<PopulationMember> population, Func<IReadOnlyList<int>> databasePids, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(population);
        using var http = SettlementSender.CreateClient(api.BaseAddress, clients);
        var patients = population.Select(member => member.Identity).ToArray();
        // Each run draws its own sequence of patients (deterministic per run number), so that runs do not repeat one
        // another's patients in the same order and pile every run's usage onto the same people.
        var runSeed = unchecked(settings.Seed + (1_000 * Interlocked.Increment(ref runs)));
        var sender = new SettlementSender(http, patients, DemoData.HospitalApiKeys, clients, runSeed, settings.InpatientShare, Console.Out);
        api.ResetPeakMemory();
        var meter = CpuMeter.Start(api.Pid, databasePids);
        var result = await Loop.RunAsync(perSecond, clients, settings.Warmup, settings.Duration, sender.SettleAsync, stop);
        var cpu = meter.Stop();
        return new Measurement(database, $"API on {database}", clients, perSecond, result, api.PeakMemoryMiB, cpu);
    }

    private static double? Ratio(Measurement api, Measurement limit) =>
        limit.Result.PerSecond > 0 ? api.Result.PerSecond / limit.Result.PerSecond : null;

    private static Measurement Add(List<Measurement> measurements, TextWriter log, Measurement measurement)
    {
        measurements.Add(measurement);
        log.WriteLine("  " + measurement.Line());
        if (measurement.Result.Errors.Count > 0)
        {
            log.WriteLine("    errors: " + measurement.Result.ErrorText);
        }

        return measurement;
    }

    private static async Task<string> DescribePostgresRowsAsync(PgServer server, string database, CancellationToken stop)
    {
        var settlements = await server.ScalarAsync<long>(database, """SELECT count(*) FROM "Settlements" """, stop);
        var ledger = await server.ScalarAsync<long>(database, """SELECT count(*) FROM "LedgerEntries" WHERE "SettlementId" IS NOT NULL""", stop);
        return string.Create(CultureInfo.InvariantCulture,
            $"API on PostgreSQL: {settlements:N0} settlements written, {(settlements == 0 ? 0 : (double)ledger / settlements):0.00} ledger rows per settlement.");
    }

    private static async Task<string> DescribeSqliteRowsAsync(string file, CancellationToken stop)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        await connection.OpenAsync(stop);
        await using var command = connection.CreateCommand();
        command.CommandText = """SELECT (SELECT count(*) FROM "Settlements"), (SELECT count(*) FROM "LedgerEntries" WHERE "SettlementId" IS NOT NULL)""";
        await using var reader = await command.ExecuteReaderAsync(stop);
        await reader.ReadAsync(stop);
        var settlements = reader.GetInt64(0);
        var ledger = reader.GetInt64(1);
        return string.Create(CultureInfo.InvariantCulture,
            $"API on SQLite: {settlements:N0} settlements written, {(settlements == 0 ? 0 : (double)ledger / settlements):0.00} ledger rows per settlement.");
    }
}
