using MedicalAid.Reliability.Tests.Infrastructure;

namespace MedicalAid.Reliability.Tests;

public sealed class SqliteCrashTests() : CrashTests(Provider.Sqlite);

public sealed class PostgresCrashTests() : CrashTests(Provider.Postgres);

/// <summary>
/// docs/design.md §6.5 and "nothing half-written": the API as a real process, under load, killed with SIGKILL at random
/// moments and restarted on the same database. SQLite runs with the API's own durability settings (WAL,
/// synchronous=FULL). MEDICALAID_CRASH_KILLS sets the number of kills (CI 4; the full run 12).
/// </summary>
public abstract class CrashTests(Provider provider)
{
    [Fact(Timeout = 1_800_000)]
    public async Task SigkillUnderLoad_KeepsEveryAcknowledgedSettlement_AndLeavesNothingHalfWritten()
    {
        await PostgresServer.RequireOrSkipAsync(provider);
        var cancel = TestContext.Current.CancellationToken;
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var server = new ApiServer($"{provider} API", database);
        using var api = new ApiClient();
        var run = new CrashRun(database, server, api, ReliabilitySettings.CrashKills, ReliabilitySettings.CrashClients, ReliabilitySettings.Seed);

        var report = await run.RunAsync(cancel);

        TestContext.Current.TestOutputHelper?.WriteLine(report);
        var problems = run.Problems;
        Assert.True(problems.Count == 0, $"{report}\n{problems.Count} problems, the first 40:\n{string.Join("\n", problems.Take(40))}\n\nAPI log:\n{server.LogTail()}");
        Assert.Equal(ReliabilitySettings.CrashKills, run.Kills);
        Assert.True(run.Acknowledged > 0, report);
        // Kills land on requests in flight: had no answer ever been lost, the test would not have tested a crash mid-request.
        Assert.True(run.LostAnswers > 0, report);
        if (provider == Provider.Sqlite)
        {
            // The durability this test ran with: WAL (persistent in the file); the API sets synchronous=FULL on each connection.
            Assert.Equal("wal", await JournalModeAsync(database, cancel));
        }
    }

    private static async Task<string?> JournalModeAsync(TestDatabase database, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenReadOnlyAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }
}
