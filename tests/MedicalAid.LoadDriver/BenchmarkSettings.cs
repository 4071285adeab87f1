using System.Diagnostics;
using System.Globalization;

namespace MedicalAid.LoadDriver;

/// <summary>Options every benchmark verb shares, and where things are.</summary>
internal sealed record BenchmarkSettings
{
    public required string RepositoryRoot { get; init; }

    public required string ApiDll { get; init; }

    public required PgServer Postgres { get; init; }

    public required string WorkDirectory { get; init; }

    /// <summary>Short unique id of this run: part of every database and file name it creates.</summary>
    public required string RunId { get; init; }

    public required TimeSpan Warmup { get; init; }

    public required TimeSpan Duration { get; init; }

    public required int PerCategory { get; init; }

    public required double InpatientShare { get; init; }

    public required int Seed { get; init; }

    public required bool Keep { get; init; }

    /// <summary>Extra API environment (<c>--api-env NAME=VALUE</c>), applied last.</summary>
    public required IReadOnlyDictionary<string, string> ApiEnvironment { get; init; }

    /// <summary>Appended to the API's PostgreSQL connection string (<c>--pg-connection-extra "Maximum Pool Size=50"</c>).</summary>
    public string? PostgresConnectionExtra { get; init; }

    public const string CommonUsage = """
          --duration <s>             measured seconds per run                      (default 20)
          --warmup <s>               unmeasured seconds before each run            (default 3)
          --inpatient-share <0..1>   share of inpatient stays                      (default 0.5)
          --seed <n>                 seed of the bills                              (default 1)
          --postgres <conn>          admin connection string                       (default $MEDICALAID_TEST_POSTGRES or local medicalaid/medicalaid)
          --api-dll <path>           the API build                                  (default src/MedicalAid.Api/bin/Release/net10.0/MedicalAid.Api.dll)
          --api-env NAME=VALUE       extra API configuration (repeatable)
          --pg-connection-extra <s>  appended to the API's PostgreSQL connection string
          --work-dir <path>          where logs and SQLite files go                (default /tmp/medicalaid-bench-<run id>; must be a real disk, not tmpfs)
          --keep                     keep the databases and files it created
        """;

    public static BenchmarkSettings Parse(CommandLine options, string verb)
    {
        ArgumentNullException.ThrowIfNull(options);
        var root = FindRepositoryRoot();
        var runId = string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:MMddHHmmss}_{Random.Shared.Next(0x1000, 0xffff):x4}");
        var apiEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in options.All("api-env"))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--api-env: '{pair}' is not NAME=VALUE.");
            }

            apiEnvironment[pair[..equals]] = pair[(equals + 1)..];
        }

        var workDirectory = options.String("work-dir", Path.Combine(Path.GetTempPath(), $"medicalaid-{verb}-{runId}"));
        Directory.CreateDirectory(workDirectory);
        return new BenchmarkSettings
        {
            RepositoryRoot = root,
            ApiDll = Path.GetFullPath(options.String("api-dll", Path.Combine(root, "src", "MedicalAid.Api", "bin", "Release", "net10.0", "MedicalAid.Api.dll"))),
            Postgres = new PgServer(options.String("postgres", Environment.GetEnvironmentVariable("MEDICALAID_TEST_POSTGRES") is { Length: > 0 } fromEnvironment ? fromEnvironment : PgServer.DefaultConnectionString)),
            WorkDirectory = workDirectory,
            RunId = runId,
            Warmup = TimeSpan.FromSeconds(options.Double("warmup", 3, 0, 3_600)),
            Duration = TimeSpan.FromSeconds(options.Double("duration", 20, 1, 3_600)),
            PerCategory = options.Int("per-category", 10_000, 1, Population.MaxSize / Population.Categories.Count),
            InpatientShare = options.Double("inpatient-share", 0.5, 0, 1),
            Seed = options.Int("seed", 1, int.MinValue, int.MaxValue),
            Keep = options.Flag("keep"),
            ApiEnvironment = apiEnvironment,
            PostgresConnectionExtra = options.OptionalString("pg-connection-extra"),
        };
    }

    /// <summary>The API's environment for a database, with the benchmark's token and any <c>--api-env</c> overrides.</summary>
    public Dictionary<string, string> ApiEnvironmentFor(StaffToken token, string provider, string connectionString)
    {
        var environment = ApiProcess.BaseEnvironment(token);
        environment["Database__Provider"] = provider;
        environment["ConnectionStrings__MedicalAid"] = connectionString;
        foreach (var (name, value) in ApiEnvironment)
        {
            environment[name] = value;
        }

        return environment;
    }

    /// <summary>A few lines on what the figures were taken on.</summary>
    public async Task<IReadOnlyList<string>> DescribeMachineAsync(CancellationToken cancellationToken)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memory = File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var postgresVersion = await Postgres.ScalarAsync<string>("postgres", "SHOW server_version", cancellationToken);
        var fsync = await Postgres.ScalarAsync<string>("postgres", "SELECT current_setting('wal_sync_method') || ', shared_buffers ' || current_setting('shared_buffers')", cancellationToken);
        await using var sqlite = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        await sqlite.OpenAsync(cancellationToken);
        await using var version = sqlite.CreateCommand();
        version.CommandText = "SELECT sqlite_version()";
        var sqliteVersion = (string)(await version.ExecuteScalarAsync(cancellationToken))!;
        var commit = Git("rev-parse --short HEAD");
        // The service, its contracts and these tools: a figure taken from a working tree names what differed from the commit.
        var dirty = ModifiedNote(Git("status --porcelain -- src contracts tests"));
        return
        [
            string.Create(CultureInfo.InvariantCulture, $"machine: {Environment.ProcessorCount} cores, {cpu}, {long.Parse(memory, CultureInfo.InvariantCulture) / 1048576.0:0} GiB; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start"),
            $"PostgreSQL {postgresVersion} ({fsync}, synchronous_commit on); SQLite {sqliteVersion}; .NET {Environment.Version}",
            $"commit {commit}{dirty}; run {RunId}",
            .. ApiEnvironmentNote(ApiEnvironment),
        ];
    }

    /// <summary>A line naming the <c>--api-env</c> settings the API ran with; none when it ran with the defaults.</summary>
    internal static string[] ApiEnvironmentNote(IReadOnlyDictionary<string, string> apiEnvironment) =>
        apiEnvironment.Count == 0
            ? []
            : [$"API configured with --api-env {string.Join(" ", apiEnvironment.Select(pair => $"{pair.Key}={pair.Value}"))}"];

    /// <summary>" (modified: a, b …)" naming the files of <c>git status --porcelain</c>, or nothing for a clean tree.</summary>
    internal static string ModifiedNote(string porcelain)
    {
        var modified = porcelain
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..].Trim())
            .ToArray();
        return modified.Length == 0
            ? ""
            : $" (modified: {string.Join(", ", modified.Take(5))}{(modified.Length > 5 ? $" and {modified.Length - 5} more" : "")})";
    }

    private string Git(string arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepositoryRoot };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return output;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "";
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MedicalAid.sln")))
            {
                return directory.FullName;
            }
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MedicalAid.sln")))
            {
                return directory.FullName;
            }
        }

        throw new UsageException("Run from inside the MedicalAid repository (no MedicalAid.sln found above the current directory).");
    }
}
