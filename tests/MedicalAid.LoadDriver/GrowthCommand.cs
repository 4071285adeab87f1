using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace MedicalAid.LoadDriver;

/// <summary>
/// <c>growth</c>: settlement latency with few settlements stored against latency with many, on PostgreSQL. One
/// database: the population is registered, <c>--small</c> settlements are seeded and the API is measured (closed
/// loop at <c>--clients</c>, then open loop at a fixed rate); then the database is filled to <c>--settlements</c>
/// with tests/MedicalAid.ScaleSeeder/seed-growth-postgres.sql and the same load is measured again.
/// </summary>
internal static class GrowthCommand
{
    public const string Usage = $"""
        growth: settlement latency with 10 thousand settlements stored against 10 million (PostgreSQL).

        Options:
          --settlements <n>          settlements stored for the second measurement (default 10000000)
          --small <n>                settlements stored for the first measurement  (default 10000)
          --clients <n>              concurrent clients of both measurements       (default 8)
          --rate <per second>        open-loop rate of both measurements           (default half the first closed-loop peak)
          --chunk <n>                settlements per seeding transaction           (default 250000)
          --jobs <n>                 seeding transactions at once                  (default 2)
          --per-category <n>         generated beneficiaries per category (×7)     (default 150000: 1,050,000 people; the last
                                     70,000 are the measured load's, the others carry the seeded settlements)
          --reuse <database>         measure an already seeded database once, no seeding (kept)
        {BenchmarkSettings.CommonUsage}
        """;

    public static async Task<int> RunAsync(CommandLine options, CancellationToken stop)
    {
        var total = options.Long("settlements", 10_000_000, 1, 1_000_000_000);
        var small = options.Long("small", 10_000, 1, total);
        var clients = options.Int("clients", 8, 1, 1_000);
        var fixedRate = options.OptionalString("rate") is null ? (double?)null : options.Double("rate", 1, 0.1, 100_000);
        var chunk = options.Long("chunk", 250_000, 1_000, 100_000_000);
        var jobs = options.Int("jobs", 2, 1, 16);
        var perCategory = options.Int("per-category", 150_000, 20_000, Population.MaxSize / Population.Categories.Count);
        var reuse = options.OptionalString("reuse");
        var settings = BenchmarkSettings.Parse(options, "growth") with { PerCategory = perCategory };
        options.RejectUnknown();

        var log = Console.Out;
        foreach (var line in await settings.DescribeMachineAsync(stop))
        {
            await log.WriteLineAsync(line);
        }

        var server = settings.Postgres;
        var database = reuse ?? $"medicalaid_growth_{settings.RunId}";
        var population = Population.Generate(settings.PerCategory);

        // The load's people (10,000 per category, the benchmark's population size) never carry seeded settlements.
        var seededPeople = population.Count - LoadPeople;
        var loadPopulation = population.Skip(seededPeople).ToArray();
        var (spanStart, spanEnd) = Span();
        var spacingDays = (spanEnd - spanStart).TotalDays / ((double)total / seededPeople);
        if (spacingDays < 92)
        {
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"warning: {total:N0} settlements over {seededPeople:N0} people puts a person's settlements {spacingDays:0} days apart, more than 4 a year: usage may exceed the demo policy's caps (raise --per-category)."));
        }

        if (reuse is null)
        {
            await server.CreateDatabaseAsync(database, stop);
        }
        else if (!await server.DatabaseExistsAsync(database, stop))
        {
            throw new UsageException($"--reuse: no database {database}.");
        }

        var token = new StaffToken();
        var seeder = Path.Combine(settings.RepositoryRoot, "tests", "MedicalAid.ScaleSeeder", "seed-growth-postgres.sql");
        var rows = new List<(long Stored, string Size, Measurement Peak, Measurement Fixed)>();
        try
        {
            // Each measurement gets a freshly started API and the same warm-up, so that the second one is not favoured
            // by a JIT that had more time to tier up.
            var environment = settings.ApiEnvironmentFor(token, "Postgres", server.ConnectionString(database, settings.PostgresConnectionExtra));
            var apiLog = Path.Combine(settings.WorkDirectory, "api-postgres.log");
            double? rate = fixedRate;
            if (reuse is null)
            {
                await using (var api = await ApiProcess.StartAsync(settings.ApiDll, environment, apiLog, stop))
                {
                    await log.WriteLineAsync($"database {database}; API log {api.LogPath}");
                    await RegisterAsync(server, database, population, log, stop);
                    await api.TopUpFundsAsync(token, ApiProcess.CurrentServiceYears(), 5_000_000_000m, stop);
                    await SeedAsync(server, database, seeder, 1, small, total, seededPeople, chunk, jobs, spanStart, spanEnd, log, stop);
                    await SettleDownAsync(server, database, log, stop);
                }

                var first = await MeasureAsync(settings, environment, apiLog, server, database, clients, rate, population, loadPopulation, log, stop);
                rows.Add(first);
                rate ??= first.Fixed.OpenLoopRate;

                // --settlements equal to --small measures the same database twice: how much the figures move by themselves.
                if (total > small)
                {
                    var indexes = await DropIndexesAsync(server, database, log, stop);
                    await SeedAsync(server, database, seeder, small + 1, total, total, seededPeople, chunk, jobs, spanStart, spanEnd, log, stop);
                    await RestoreIndexesAsync(server, database, indexes, log, stop);
                    await SettleDownAsync(server, database, log, stop);
                }
            }

            rows.Add(await MeasureAsync(settings, environment, apiLog, server, database, clients, rate, population, loadPopulation, log, stop));
        }
        finally
        {
            if (!settings.Keep && reuse is null)
            {
                await server.DropDatabaseAsync(database, CancellationToken.None);
            }
        }

        await log.WriteLineAsync();
        await log.WriteLineAsync("| Settlements stored | Database size | Load | Per second | p50 ms | p95 ms | p99 ms | Errors | Other load (cores) |");
        await log.WriteLineAsync("|---:|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (stored, size, peak, fixedLoad) in rows)
        {
            foreach (var m in new[] { peak, fixedLoad })
            {
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"| {stored:N0} | {size} | {(m.OpenLoopRate is { } r ? $"open loop {r:0}/s, {m.Clients} connections" : $"closed loop, {m.Clients} clients")} | {m.Result.PerSecond:0.0} | {m.Result.Latency.P50:0.0} | {m.Result.Latency.P95:0.0} | {m.Result.Latency.P99:0.0} | {m.Result.Failed} | {m.Cpu?.OtherCores:0.0} |"));
            }
        }

        if (rows.Count == 2)
        {
            var (before, after) = (rows[0].Fixed.Result.Latency, rows[1].Fixed.Result.Latency);
            await log.WriteLineAsync();
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Growth at the fixed rate: p50 ×{after.P50 / before.P50:0.00}, p95 ×{after.P95 / before.P95:0.00}, p99 ×{after.P99 / before.P99:0.00} (goal ≤ 1.2: {(after.P50 / before.P50 <= 1.2 && after.P99 / before.P99 <= 1.2 ? "met" : "NOT met")})"));
            var (peakBefore, peakAfter) = (rows[0].Peak.Result, rows[1].Peak.Result);
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Growth at the closed loop: throughput ×{peakAfter.PerSecond / peakBefore.PerSecond:0.00}, p50 ×{peakAfter.Latency.P50 / peakBefore.Latency.P50:0.00}, p99 ×{peakAfter.Latency.P99 / peakBefore.Latency.P99:0.00}"));
        }

        if (settings.Keep || reuse is not null)
        {
            await log.WriteLineAsync($"Kept database {database}: `growth --reuse {database}` measures it again without seeding; `dropdb {database}` frees its disk.");
        }

        if (!settings.Keep)
        {
            Directory.Delete(settings.WorkDirectory, recursive: true);
        }

        return rows.Any(row => row.Peak.Result.Completed == 0 || row.Fixed.Result.Failed * 100 > row.Fixed.Result.Completed + row.Fixed.Result.Failed) ? 1 : 0;
    }

    /// <summary>From 1 January two years back to yesterday evening, China time.</summary>
    private static (DateTimeOffset Start, DateTimeOffset End) Span()
    {
        var china = TimeSpan.FromHours(8);
        var today = DateOnly.FromDateTime((DateTimeOffset.UtcNow + china).UtcDateTime);
        var start = new DateTimeOffset(today.Year - 2, 1, 1, 0, 0, 0, china);
        var yesterday = today.AddDays(-1);
        var end = new DateTimeOffset(yesterday.Year, yesterday.Month, yesterday.Day, 20, 0, 0, china);
        return (start, end);
    }

    /// <summary>
    /// Registers the generated population directly (COPY; the staff import would take minutes for a million), with
    /// the rows the import writes: a beneficiary and one status change each.
    /// </summary>
    private static async Task RegisterAsync(PgServer server, string database, IReadOnlyList<PopulationMember> population, TextWriter log, CancellationToken stop)
    {
        var started = Clock.Now;
        await using var connection = await server.OpenAsync(database, stop);
        await Execute(connection, "CREATE TEMP TABLE growth_registry (n integer, id_number text, name text, category text)", stop);
        await using (var copy = await connection.BeginBinaryImportAsync("COPY growth_registry (n, id_number, name, category) FROM STDIN (FORMAT BINARY)", stop))
        {
            for (var n = 0; n < population.Count; n++)
            {
                var member = population[n];
                await copy.StartRowAsync(stop);
                await copy.WriteAsync(n, NpgsqlDbType.Integer, stop);
                await copy.WriteAsync(member.IdNumber, NpgsqlDbType.Text, stop);
                await copy.WriteAsync(member.Name, NpgsqlDbType.Text, stop);
                await copy.WriteAsync(member.Category, NpgsqlDbType.Text, stop);
            }

            await copy.CompleteAsync(stop);
        }

        await Execute(connection, $"""
            INSERT INTO "OrganisationUnits" ("Code", "Name", "Level", "ParentId", "Path")
            SELECT '{Population.DivisionCode}', '{Population.DistrictName}', 'District', c."Id", c."Path" || '{Population.DivisionCode}/'
            FROM "OrganisationUnits" c WHERE c."Code" = '{Population.CityCode}'
            ON CONFLICT DO NOTHING;
            INSERT INTO "Beneficiaries" ("IdNumber", "Name", "DivisionCode", "UnitId")
            SELECT id_number, name, '{Population.DivisionCode}', (SELECT "Id" FROM "OrganisationUnits" WHERE "Code" = '{Population.DivisionCode}')
            FROM growth_registry ORDER BY n;
            INSERT INTO "BeneficiaryStatusChanges" ("BeneficiaryId", "EffectiveFrom", "CategoryCode", "IsActive")
            SELECT b."Id", DATE '{Population.RegisteredFrom:yyyy-MM-dd}', r.category, TRUE
            FROM growth_registry r JOIN "Beneficiaries" b ON b."IdNumber" = r.id_number;
            ANALYZE "Beneficiaries";
            ANALYZE "BeneficiaryStatusChanges";
            """, stop);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"registered {population.Count:N0} beneficiaries (COPY) in {Seconds(started):0.0} s"));
    }

    /// <summary>
    /// Seeds settlements <paramref name="first"/>..<paramref name="last"/> of the plan in chunks, <paramref name="jobs"/>
    /// psql sessions at a time (chunks only append), then books the chunks' usage and fund movements.
    /// </summary>
    private static async Task SeedAsync(
        PgServer server, string database, string seeder, long first, long last, long total, long people, long chunk, int jobs,
        DateTimeOffset spanStart, DateTimeOffset spanEnd, TextWriter log, CancellationToken stop)
    {
        var started = Clock.Now;
        var done = 0L;
        var ranges = new List<(long From, long To)>();
        for (var from = first; from <= last; from += chunk)
        {
            ranges.Add((from, Math.Min(last, from + chunk - 1)));
        }

        using var slots = new SemaphoreSlim(jobs, jobs);
        var tasks = ranges.Select(async range =>
        {
            await slots.WaitAsync(stop);
            try
            {
                var chunkStarted = Clock.Now;
                await PsqlAsync(server, database, seeder, stop,
                    $"first={range.From}", $"last={range.To}", $"total={total}", $"people={people}",
                    "span_start=" + spanStart.ToString("yyyy-MM-dd HH:mm:sszzz", CultureInfo.InvariantCulture),
                    "span_end=" + spanEnd.ToString("yyyy-MM-dd HH:mm:sszzz", CultureInfo.InvariantCulture));
                var seeded = Interlocked.Add(ref done, range.To - range.From + 1);
                var rate = seeded / Math.Max(Seconds(started), 1e-3);
                var text = string.Create(CultureInfo.InvariantCulture,
                    $"  seeded settlements {range.From:N0}–{range.To:N0} in {Seconds(chunkStarted):0.0} s ({rate:N0}/s so far; {(last - first + 1 - seeded) / Math.Max(rate, 1) / 60:0.0} min to go)");
                lock (log)
                {
                    log.WriteLine(text);
                }
            }
            finally
            {
                slots.Release();
            }
        }).ToList();
        await Task.WhenAll(tasks);

        await PsqlAsync(server, database, Path.Combine(Path.GetDirectoryName(seeder)!, "seed-growth-finish-postgres.sql"), stop);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"seeded {last - first + 1:N0} settlements in {Seconds(started) / 60:0.0} min ({jobs} at a time)"));
    }

    private static async Task PsqlAsync(PgServer server, string database, string file, CancellationToken stop, params string[] variables)
    {
        var start = new ProcessStartInfo("psql") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-X", "-q", "-v", "ON_ERROR_STOP=1" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var variable in variables)
        {
            start.ArgumentList.Add("-v");
            start.ArgumentList.Add(variable);
        }

        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(file);
        foreach (var (name, value) in server.LibpqEnvironment(database))
        {
            start.Environment[name] = value;
        }

        start.Environment["PGAPPNAME"] = PgServer.DriverApplicationName;
        using var psql = Process.Start(start) ?? throw new InvalidOperationException("psql did not start.");
        var output = psql.StandardOutput.ReadToEndAsync(stop);
        var errors = psql.StandardError.ReadToEndAsync(stop);
        await psql.WaitForExitAsync(stop);
        if (psql.ExitCode != 0)
        {
            throw new InvalidOperationException($"psql {Path.GetFileName(file)} {string.Join(' ', variables)} failed:{Environment.NewLine}{await output}{await errors}");
        }
    }

    /// <summary>Vacuum, statistics and a checkpoint, so that the measurement meets a database in its steady state, not the load's aftermath.</summary>
    private static async Task SettleDownAsync(PgServer server, string database, TextWriter log, CancellationToken stop)
    {
        var started = Clock.Now;
        await using var connection = await server.OpenAsync(database, stop);
        await Execute(connection, """
            VACUUM (ANALYZE) "Settlements", "LedgerEntries", "IdempotencyRecords", "SettlementReversals", "BeneficiaryYearUsages", "Funds",
                "MonthlySettlementTotals", "PersonSettledMonths"
            """, stop);
        try
        {
            await Execute(connection, "CHECKPOINT", stop);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            await log.WriteLineAsync("  (no CHECKPOINT: the role may not)");
        }

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"vacuumed, analysed and checkpointed in {Seconds(started):0.0} s"));
    }

    /// <summary>
    /// Drops the secondary indexes of the tables the seeder fills, and the idempotency primary key (random keys), so
    /// that a bulk load builds them once instead of maintaining them row by row. Returns how to build them again.
    /// </summary>
    private static async Task<IReadOnlyList<string>> DropIndexesAsync(PgServer server, string database, TextWriter log, CancellationToken stop)
    {
        await using var connection = await server.OpenAsync(database, stop);
        var restore = new List<string>();
        var drop = new List<string>();
        await using (var command = new NpgsqlCommand("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, c.conrelid::regclass::text, pg_get_constraintdef(c.oid)
            FROM pg_index i
            LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('p', 'u')
            WHERE i.indrelid IN ('"Settlements"'::regclass, '"LedgerEntries"'::regclass, '"IdempotencyRecords"'::regclass, '"SettlementReversals"'::regclass)
              AND (c.oid IS NULL OR c.conrelid = '"IdempotencyRecords"'::regclass)
            """, connection))
        await using (var reader = await command.ExecuteReaderAsync(stop))
        {
            while (await reader.ReadAsync(stop))
            {
                if (reader.IsDBNull(2))
                {
                    drop.Add($"DROP INDEX {reader.GetString(0)}");
                    restore.Add(reader.GetString(1));
                }
                else
                {
                    drop.Add($"ALTER TABLE {reader.GetString(3)} DROP CONSTRAINT \"{reader.GetString(2)}\"");
                    restore.Add($"ALTER TABLE {reader.GetString(3)} ADD CONSTRAINT \"{reader.GetString(2)}\" {reader.GetString(4)}");
                }
            }
        }

        foreach (var statement in drop)
        {
            await Execute(connection, statement, stop);
        }

        await log.WriteLineAsync($"dropped {drop.Count} indexes for the bulk load (built again after it)");
        return restore;
    }

    private static async Task RestoreIndexesAsync(PgServer server, string database, IReadOnlyList<string> statements, TextWriter log, CancellationToken stop)
    {
        var started = Clock.Now;
        await using var connection = await server.OpenAsync(database, stop);
        await Execute(connection, "SET maintenance_work_mem = '1GB'; SET max_parallel_maintenance_workers = 2", stop);
        foreach (var statement in statements)
        {
            await Execute(connection, statement, stop);
        }

        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"built {statements.Count} indexes in {Seconds(started) / 60:0.0} min"));
    }

    private static async Task<(long Stored, string Size, Measurement Peak, Measurement Fixed)> MeasureAsync(
        BenchmarkSettings settings, IReadOnlyDictionary<string, string> environment, string apiLog, PgServer server, string database, int clients, double? rate,
        IReadOnlyList<PopulationMember> population, IReadOnlyList<PopulationMember> loadPopulation, TextWriter log, CancellationToken stop)
    {
        var stored = await server.ScalarAsync<long>(database, """SELECT count(*) FROM "Settlements" """, stop);
        var size = await server.ScalarAsync<string>(database, "SELECT pg_size_pretty(pg_database_size(current_database()))", stop);
        await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"measuring with {stored:N0} settlements stored ({size})"));
        await CheckPopulationAsync(server, database, population, stop);
        await using var api = await ApiProcess.StartAsync(settings.ApiDll, environment, apiLog, stop);
        await BenchmarkCommand.WarmUpAsync(settings, api, loadPopulation, log, stop, settlements: 1_000);
        var peak = await BenchmarkCommand.MeasureApiAsync(settings, api, "PostgreSQL", clients, null, loadPopulation, () => server.BackendPids(database), stop);
        await log.WriteLineAsync("  " + peak.Line());
        var openRate = rate ?? Math.Max(1, peak.Result.PerSecond / 2);
        var fixedLoad = await BenchmarkCommand.MeasureApiAsync(settings, api, "PostgreSQL", clients, openRate, loadPopulation, () => server.BackendPids(database), stop);
        await log.WriteLineAsync("  " + fixedLoad.Line());
        return (stored, size, peak, fixedLoad);
    }

    /// <summary>The driver's generated people must be the registered ones, or every request would be refused.</summary>
    private static async Task CheckPopulationAsync(PgServer server, string database, IReadOnlyList<PopulationMember> population, CancellationToken stop)
    {
        var sample = new[] { population[0], population[population.Count / 2], population[^1] };
        await using var connection = await server.OpenAsync(database, stop);
        await using var command = new NpgsqlCommand("""SELECT count(*) FROM "Beneficiaries" WHERE ("IdNumber", "Name") IN (($1, $2), ($3, $4), ($5, $6))""", connection);
        foreach (var member in sample)
        {
            command.Parameters.AddWithValue(member.IdNumber);
            command.Parameters.AddWithValue(member.Name);
        }

        var found = (long)(await command.ExecuteScalarAsync(stop))!;
        if (found != sample.Length)
        {
            throw new InvalidOperationException($"Database {database} does not hold this population (--per-category {population.Count / Population.Categories.Count}).");
        }
    }

    /// <summary>People the measured load settles for: as many as the benchmark's population.</summary>
    private const int LoadPeople = 70_000;

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken stop)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(stop);
    }

    private static double Seconds(long started) => Clock.Milliseconds(Clock.Now - started) / 1000;
}
