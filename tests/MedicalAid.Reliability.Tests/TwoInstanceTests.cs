using System.Net;
using MedicalAid.Contracts;
using MedicalAid.Reliability.Tests.Infrastructure;

namespace MedicalAid.Reliability.Tests;

/// <summary>Two API processes on one fresh PostgreSQL database.</summary>
public sealed class TwoInstanceFixture : IAsyncLifetime
{
    private TestDatabase? database;

    public string? SkipReason { get; private set; }

    public TestDatabase Database => database ?? throw new InvalidOperationException(SkipReason);

    public IReadOnlyList<ApiServer> Servers { get; private set; } = [];

    public ApiClient Api { get; } = new();

    public async ValueTask InitializeAsync()
    {
        SkipReason = await PostgresServer.SkipReasonAsync(Provider.Postgres);
        if (SkipReason is not null)
        {
            return;
        }

        database = await TestDatabase.CreateAsync(Provider.Postgres);
        Servers = [new ApiServer("instance A", database), new ApiServer("instance B", database)];
        // One after the other: starting together on an empty database is TwoInstanceStartupTests' subject.
        foreach (var server in Servers)
        {
            await server.StartAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }

        Api.Dispose();
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }
}

/// <summary>
/// docs/design.md §6 with several instances: two API processes on one PostgreSQL database, the hospitals' requests spread
/// across both and released at the same moment. No in-process lock can help here; only the database can keep the
/// invariants. MEDICALAID_INSTANCE_ROUNDS sets the rounds of each race (CI 2; the full run 10).
/// </summary>
public sealed class TwoInstanceTests : IClassFixture<TwoInstanceFixture>
{
    private const string H001 = "demo-h001-key";
    private const string H003 = "demo-h003-key";

    private readonly TwoInstanceFixture fixture;

    public TwoInstanceTests(TwoInstanceFixture fixture)
    {
        this.fixture = fixture;
        Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
    }

    private ApiClient Api => fixture.Api;

    private Uri Server(int i) => fixture.Servers[i % 2].BaseAddress;

    [Fact(Timeout = 900_000)]
    public async Task FiftyConcurrentRetriesOfOneKey_HalfToEachInstance_MakeExactlyOneSettlement()
    {
        var cancel = TestContext.Current.CancellationToken;
        for (var round = 1; round <= ReliabilitySettings.InstanceRounds; round++)
        {
            var patient = (await Population.RegisterAsync(Api, Server(0), 1, _ => DemoLimits.MinimumLiving, cancel))[0];
            // docs/design.md §3's first worked example at H001 (secondary): 6,000.00 + 500.00 + 1,050.00, subsidy 200.00, patient 2,450.00.
            var request = Bills.Inpatient(patient, 2_000_000, 1_800_000, 1_000_000, Bills.ShanghaiToday.AddDays(-1));
            var json = ApiClient.Serialize(request);
            var key = Guid.NewGuid().ToString();

            var answers = await RaceAsync(50, i => Api.SettleAsync(Server(i), H001, key, json, cancel));

            Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Created, answer.Status));
            Assert.Single(answers, answer => !answer.Replayed);
            var settlements = answers.Select(answer => answer.Read<SettlementResponse>()).ToList();
            var first = settlements[0];
            Assert.All(settlements, settlement => Assert.Empty(CrashRun.Differences(settlement, first)));
            Assert.Equal([200.00m, 0m, 6_000.00m, 500.00m, 1_050.00m], first.Channels.Select(channel => channel.Amount));
            Assert.Equal(2_450.00m, first.PatientPays);

            var snapshot = await DatabaseSnapshot.ReadAsync(fixture.Database, cancel);
            var underKey = snapshot.Settlements.Where(settlement => settlement.IdempotencyKey == key).ToList();
            Assert.Equal(first.SettlementId, Assert.Single(underKey).Id);
            Assert.Equal(4, snapshot.Ledger.Count(entry => entry.SettlementId == first.SettlementId)); // subsidy, inpatient, temporary, charity
            Assert.Empty(snapshot.Violations());
            TestContext.Current.TestOutputHelper?.WriteLine($"round {round}: 50 requests under key {key} → settlement {first.SettlementId} once, {answers.Count(answer => answer.Replayed)} replays");
        }
    }

    [Fact(Timeout = 900_000)]
    public async Task ConcurrentSettlementsAtTheSharedAnnualCap_FromBothInstances_NeverExceedIt()
    {
        var cancel = TestContext.Current.CancellationToken;
        for (var round = 1; round <= ReliabilitySettings.InstanceRounds; round++)
        {
            // Extreme poverty, 100% on both visit types: forty stays ask 100,000.00 and twenty visits 6,000.00 against
            // the 80,000.00 shared annual cap (and the 4,000.00 outpatient cap).
            var patient = (await Population.RegisterAsync(Api, Server(1), 1, _ => DemoLimits.ExtremePoverty, cancel))[0];
            var date = Bills.ShanghaiToday.AddDays(-1);
            var requests = Enumerable.Range(0, 60)
                .Select(i => i < 40 ? Bills.Inpatient(patient, 250_000, 250_000, 0, date) : Bills.Outpatient(patient, 30_000, 30_000, 0, date))
                .Select(ApiClient.Serialize)
                .ToList();

            var answers = await RaceAsync(requests.Count, i => Api.SettleAsync(Server(i), Hospitals.ApiKeys[i % 3], Guid.NewGuid().ToString(), requests[i], cancel));

            Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Created, answer.Status));
            var settlements = answers.Select(answer => answer.Read<SettlementResponse>()).ToList();
            var outpatient = settlements.Sum(settlement => settlement.Channels[1].Amount);
            var inpatient = settlements.Sum(settlement => settlement.Channels[2].Amount);
            Assert.Equal(80_000.00m, outpatient + inpatient);
            Assert.True(outpatient <= 4_000.00m, $"outpatient paid {outpatient}");
            Assert.Contains(settlements, settlement => settlement.Channels.Any(channel => channel.Reasons.Contains("CAP_REACHED")));
            Assert.Single(settlements, settlement => settlement.Channels[0].Amount == 400.00m);

            foreach (var server in new[] { Server(0), Server(1) })
            {
                var eligibility = (await Api.HospitalGetAsync(server, H001, $"api/v1/eligibility/{patient.IdNumber}", cancel)).Read<EligibilityResponse>();
                Assert.Equal(0m, eligibility.SharedAnnualCap!.Remaining);
            }

            Assert.Empty((await DatabaseSnapshot.ReadAsync(fixture.Database, cancel)).Violations());
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"round {round}: 60 settlements asked 106,000.00 → outpatient {outpatient} + inpatient {inpatient}, {settlements.Count(settlement => settlement.Channels.Any(channel => channel.Reasons.Contains("CAP_REACHED")))} capped");
        }
    }

    [Fact(Timeout = 900_000)]
    public async Task ConcurrentSettlementsOnNearlyEmptyFunds_FromBothInstances_PayExactlyWhatTheyHeldAndNeverGoNegative()
    {
        var cancel = TestContext.Current.CancellationToken;
        // 2024 is a year of its own for this test: staff open its funds with top-ups, the temporary and charity funds
        // with only a little money in them.
        const int year = 2024;
        foreach (var (channel, amount) in new[] { (AssistanceChannel.InsuranceSubsidy, 1_000_000m), (AssistanceChannel.Outpatient, 1_000_000m), (AssistanceChannel.Inpatient, 10_000_000m) })
        {
            await Api.TopUpAsync(Server(0), year, channel, amount, cancel);
        }

        for (var round = 1; round <= ReliabilitySettings.InstanceRounds; round++)
        {
            var temporaryLeft = 777.77m + round;
            var charityLeft = 2_345.67m + round;
            await Api.TopUpAsync(Server(1), year, AssistanceChannel.Temporary, temporaryLeft, cancel);
            await Api.TopUpAsync(Server(0), year, AssistanceChannel.Charity, charityLeft, cancel);
            // Thirty minimum-living stays of the first worked example each ask 500.00 of temporary and over 1,000.00 of charity.
            var patients = await Population.RegisterAsync(Api, Server(round), 30, _ => DemoLimits.MinimumLiving, cancel);
            var requests = patients.Select(patient => ApiClient.Serialize(Bills.Inpatient(patient, 2_000_000, 1_800_000, 1_000_000, new DateOnly(year, 6, 30)))).ToList();

            var answers = await RaceAsync(requests.Count, i => Api.SettleAsync(Server(i), i % 2 == 0 ? H001 : H003, Guid.NewGuid().ToString(), requests[i], cancel));

            Assert.All(answers, answer => Assert.Equal(HttpStatusCode.Created, answer.Status));
            var settlements = answers.Select(answer => answer.Read<SettlementResponse>()).ToList();
            Assert.Equal(temporaryLeft, settlements.Sum(settlement => settlement.Channels[3].Amount));
            Assert.Equal(charityLeft, settlements.Sum(settlement => settlement.Channels[4].Amount));
            Assert.Contains(settlements, settlement => settlement.Channels[4].Reasons.Contains("FUND_EXHAUSTED"));
            var balances = await Api.FundBalancesAsync(Server(round + 1), year, cancel);
            Assert.Equal(0m, balances.Single(balance => balance.Channel == AssistanceChannel.Temporary).Balance);
            Assert.Equal(0m, balances.Single(balance => balance.Channel == AssistanceChannel.Charity).Balance);
            Assert.Empty((await DatabaseSnapshot.ReadAsync(fixture.Database, cancel)).Violations());
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"round {round}: 30 settlements on temporary {temporaryLeft} and charity {charityLeft} → paid exactly that, {settlements.Count(settlement => settlement.Channels[4].Reasons.Contains("FUND_EXHAUSTED"))} found charity exhausted");
        }
    }

    /// <summary>Prepares every request, then releases them all at once.</summary>
    private static async Task<ApiAnswer[]> RaceAsync(int count, Func<int, Task<ApiAnswer>> send)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = Enumerable.Range(0, count).Select(async i =>
        {
            await start.Task;
            return await send(i);
        }).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(racers);
        Assert.All(answers, answer => Assert.False(answer.Lost, $"no answer: {answer.Failure}"));
        return answers;
    }
}

/// <summary>
/// Stateless instances behind a load balancer are deployed together: two processes started at the same moment on one
/// empty PostgreSQL database must both become ready (migrations and demo seeding done once) — the demo seeder is written
/// for exactly this (an advisory lock).
/// </summary>
public sealed class TwoInstanceStartupTests
{
    /// <remarks>
    /// Fails at the time of writing, in about one round of three: both processes run EF Core's Migrate() at once; the
    /// Npgsql migration lock is taken per migration transaction, and one process applies a migration the other has just
    /// applied ("42P07: relation "ClearingStatements" already exists"), and exits with an unhandled exception.
    /// </remarks>
    [Fact(Timeout = 900_000)]
    public async Task TwoInstancesStartedTogetherOnAnEmptyDatabase_BothBecomeReady()
    {
        await PostgresServer.RequireOrSkipAsync(Provider.Postgres);
        var cancel = TestContext.Current.CancellationToken;
        var failures = new List<string>();
        // The race is lost in about one round of three (measured): five rounds show it in most runs.
        var rounds = Math.Max(5, ReliabilitySettings.InstanceRounds);
        for (var round = 1; round <= rounds; round++)
        {
            await using var database = await TestDatabase.CreateAsync(Provider.Postgres);
            await using var a = new ApiServer("instance A", database);
            await using var b = new ApiServer("instance B", database);
            a.Launch();
            b.Launch();
            foreach (var server in new[] { a, b })
            {
                try
                {
                    await server.WaitUntilReadyAsync(cancel);
                }
                catch (ApiStartException exception)
                {
                    var cause = exception.Message.Split('\n').FirstOrDefault(line => line.Contains("Unhandled exception", StringComparison.Ordinal)) ?? "(no exception in its log)";
                    // A supervisor would start it again; say whether that helps.
                    await server.StartAsync(cancel);
                    failures.Add($"round {round}: {server.Name} died while starting ({exception.Message.Split('\n')[0]} — {cause.Trim()}); started again, it became ready");
                }
            }

            var snapshot = await DatabaseSnapshot.ReadAsync(database, cancel);
            Assert.Empty(snapshot.Violations());
            Assert.Equal(3, snapshot.HospitalIds.Count);
            Assert.Equal(10, snapshot.Funds.Count);
            Assert.Equal(10, snapshot.Ledger.Count(entry => entry.Kind == "OpeningBalance"));
        }

        Assert.True(failures.Count == 0,
            $"BUG: {failures.Count} of {rounds * 2} instances started together on an empty PostgreSQL database crashed while applying EF Core migrations:\n{string.Join("\n", failures)}");
    }
}
