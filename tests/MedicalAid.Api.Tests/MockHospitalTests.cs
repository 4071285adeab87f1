using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Client;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using MedicalAid.MockHospital.Driving;
using MedicalAid.MockHospital.Hospitals;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Settings;
using WireMock.Types;
using WireMock.Util;
using HospitalLevel = MedicalAid.Contracts.Admin.HospitalLevel;
using VisitType = MedicalAid.Contracts.VisitType;

namespace MedicalAid.Api.Tests;

public sealed class SqliteMockHospitalTests(SqliteKestrelFixture fixture) : MockHospitalTests(fixture), IClassFixture<SqliteKestrelFixture>;

public sealed class PostgresMockHospitalTests(PostgresKestrelFixture fixture) : MockHospitalTests(fixture), IClassFixture<PostgresKestrelFixture>;

/// <summary>
/// The mock hospitals of src/MedicalAid.MockHospital against the real API over real HTTP (Kestrel on 127.0.0.1), on each
/// real database. Each test registers hospitals of its own, so that every hospital's day holds only that test's settlements.
/// </summary>
public abstract class MockHospitalTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    protected MockHospitalTests(KestrelApiFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
        App = fixture.App;
        Api = fixture.BaseAddress;
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static DateOnly Yesterday => MedicalAidApp.Today.AddDays(-1);

    private MedicalAidApp App { get; }

    private Uri Api { get; }

    [Fact]
    public async Task ThreeHospitals_SettleADayOfDischargesWithRetriesAndReversals_AndReconcileExactly()
    {
        var hospitals = await RegisterHospitalsAsync(3);
        var options = new DriveOptions
        {
            Hospitals = hospitals,
            Count = 45,
            Concurrency = 4,
            InpatientShare = 0.5m,
            RetryShare = 0.2m,
            ReversalShare = 0.1m,
            Seed = 7,
            ServiceDate = Yesterday,
            RunId = "THREE",
            PopulationSize = 12,
            StaffToken = StaffTokens.Create("operator", "李办事员"),
            TimeZone = Shanghai,
        };

        var report = await DriveSession.RunAsync(Api, options, cancellationToken: Cancel);

        Assert.Equal(12, report.Registration!.Registered);
        Assert.Empty(report.Registration.Errors);
        Assert.Empty(report.Statistics.Errors);
        Assert.Contains(report.Plan, visit => visit.Resend);
        Assert.Contains(report.Plan, visit => visit.Reverse);
        Assert.Equal(45, report.Statistics.Total(counters => counters.Settled));
        Assert.Equal(report.Plan.Count(visit => visit.Resend), report.Statistics.Total(counters => counters.Replayed));
        Assert.Equal(report.Plan.Count(visit => visit.Reverse), report.Statistics.Total(counters => counters.Reversed));
        Assert.Equal(hospitals.Select(hospital => hospital.Code).Order(), report.Reconciliations.Select(day => day.HospitalCode).Order());
        Assert.All(report.Reconciliations, day =>
        {
            Assert.Equal(MedicalAidApp.Today, day.Date);
            Assert.Equal(ReconciliationStatus.Matched, day.Daily!.Status);
            Assert.Empty(day.Daily.Differences);
            Assert.Equal(ReconciliationStatus.Matched, day.Detail!.Status);
            Assert.Equal(report.Books[day.HospitalCode].SettlementCount, day.Detail.Matched);
        });
        Assert.True(report.Clean);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task SettlementWhoseFirstAnswerIsLostToATimeout_IsRetriedWithTheSameKey_AndPaidOnce()
    {
        var hospital = (await RegisterHospitalsAsync(1))[0];
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        var request = Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m);
        using (var direct = HospitalConnection.Open(Api, hospital))
        {
            // Warm the settlement path first, so that only the held-back answer, never a cold start, outlasts the attempt timeout.
            var warmUp = Requests.Inpatient(await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving), 1_000.00m, 1_000.00m, 500.00m);
            using var warmed = await direct.Api.SettleAsync(warmUp, Guid.NewGuid().ToString(), Cancel);
            Assert.Equal(HttpStatusCode.Created, warmed.StatusCode);
        }

        var fundsBefore = await FundBalancesAsync(Yesterday.Year);
        using var proxy = FirstSettlementAnswerLostProxy.Start(Api, answerDelay: TimeSpan.FromSeconds(8));
        using var connection = HospitalConnection.Open(proxy.Url, hospital, resilience =>
        {
            resilience.AttemptTimeout.Timeout = TimeSpan.FromSeconds(2);
            resilience.Retry.Delay = TimeSpan.FromMilliseconds(50);
        });

        using var response = await connection.Api.SettleAsync(request, MedicalAidClientSetup.IdempotencyKeyFor(hospital.Code, request.VisitNumber), Cancel);

        var settlement = response.ContentOrThrow();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["true"], response.Headers!.GetValues(DischargeDriver.ReplayedHeader));
        // The first answer was held back, so at least one retry went out; however many, they carried the same key.
        Assert.True(proxy.SettlementRequests >= 2, $"{proxy.SettlementRequests} settlement requests");
        var visitNumber = SettlementRules.NormalizeVisitNumber(request.VisitNumber);
        var settlementsOfVisit = await App.WithDbAsync(db => db.Settlements.Where(candidate => candidate.VisitNumber == visitNumber).Select(candidate => candidate.Id).ToListAsync(Cancel));
        Assert.Equal([settlement.SettlementId], settlementsOfVisit);
        var fundsAfter = await FundBalancesAsync(Yesterday.Year);
        Assert.Equal(settlement.FundsSettled, (fundsBefore - fundsAfter).ToYuan());
        Assert.Equal(7_750.00m, settlement.FundsSettled);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task DetailReconciliation_FindsADeliberatelyMissingAndADeliberatelyAlteredItem()
    {
        var hospital = (await RegisterHospitalsAsync(1))[0];
        var options = new DriveOptions
        {
            Hospitals = [hospital],
            Count = 8,
            RetryShare = 0m,
            ReversalShare = 0m,
            Seed = 11,
            ServiceDate = Yesterday,
            RunId = "DETAIL",
            TimeZone = Shanghai,
        };
        var report = await DriveSession.RunAsync(Api, options, cancellationToken: Cancel);
        Assert.True(report.Clean);
        var items = report.Books[hospital.Code].DetailItems(MedicalAidApp.Today).ToList();
        var dropped = items[0];
        var original = items[1];
        var altered = original with { FundsSettled = original.FundsSettled + 0.01m };
        items.RemoveAt(0);
        items[0] = altered;
        using var connection = HospitalConnection.Open(Api, hospital);

        var result = await connection.Api.ReconcileDetailAsync(new DetailReconciliationRequest { Date = MedicalAidApp.Today, Items = items }, Cancel);

        Assert.Equal(ReconciliationStatus.Mismatched, result.Status);
        Assert.Equal(6, result.Matched);
        Assert.Collection(
            result.Items.OrderBy(item => item.Match),
            missing =>
            {
                Assert.Equal(DetailMatch.MissingOnTheirSide, missing.Match);
                Assert.Equal(dropped.SettlementId, missing.SettlementId);
                Assert.Equal(dropped, missing.Ours);
                Assert.Null(missing.Theirs);
            },
            differing =>
            {
                Assert.Equal(DetailMatch.AmountsDiffer, differing.Match);
                Assert.Equal(original.SettlementId, differing.SettlementId);
                Assert.Equal(original, differing.Ours);
                Assert.Equal(altered, differing.Theirs);
            });
    }

    /// <summary>Registers new hospitals through the staff API and returns their codes with their new keys.</summary>
    private async Task<IReadOnlyList<HospitalAccount>> RegisterHospitalsAsync(int count)
    {
        using var admin = App.Staff("admin", "王科长");
        var accounts = new List<HospitalAccount>();
        for (var i = 0; i < count; i++)
        {
            var code = $"MH-{Guid.NewGuid():N}"[..12].ToUpperInvariant();
            using var response = await admin.PostAsJsonAsync(
                "/api/v1/admin/hospitals",
                new RegisterHospitalRequest { Code = code, Name = $"模拟医院 {code}", Level = HospitalLevel.Secondary },
                Cancel);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var credentials = await response.Content.ReadFromJsonAsync<HospitalCredentials>(Cancel);
            accounts.Add(new HospitalAccount(credentials!.Hospital.Code, credentials.ApiKey));
        }

        return accounts;
    }

    private Task<Money> FundBalancesAsync(int year) =>
        App.WithDbAsync(async db => new Money((await db.Funds.Where(fund => fund.Year == year).Select(fund => fund.Balance).ToListAsync(Cancel)).Sum(balance => balance.Fen)));
}

/// <summary>
/// A WireMock.Net server in front of the API that forwards POST /api/v1/settlements and holds back the answer to the first
/// one for <c>answerDelay</c>, so that the API has settled but the client gives up waiting. Later requests reach the API only
/// once the first has been answered by it, so the retry always finds the original settled. (WireMock's own proxy with a
/// delay waits before forwarding, which would let the retry overtake the original.)
/// </summary>
internal sealed class FirstSettlementAnswerLostProxy : IDisposable
{
    private static readonly string[] ForwardedRequestHeaders = [MedicalAidClientSetup.ApiKeyHeader, "Idempotency-Key"];
    private static readonly string[] ForwardedResponseHeaders = [DischargeDriver.ReplayedHeader, "Location"];

    private readonly HttpClient api;
    private readonly TimeSpan answerDelay;
    private readonly WireMockServer server;
    private readonly TaskCompletionSource firstSettled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource stopping = new();
    private int settlementRequests;

    private FirstSettlementAnswerLostProxy(Uri apiBaseAddress, TimeSpan answerDelay)
    {
        api = new HttpClient { BaseAddress = apiBaseAddress };
        this.answerDelay = answerDelay;
        server = WireMockServer.Start(new WireMockServerSettings { Urls = ["http://127.0.0.1:0"], StartAdminInterface = false });
        server.Given(Request.Create().WithPath("/api/v1/settlements").UsingPost())
            .RespondWith(Response.Create().WithCallback(ForwardAsync));
        Url = new Uri($"http://127.0.0.1:{server.Ports[0]}/");
    }

    public Uri Url { get; }

    public int SettlementRequests => Volatile.Read(ref settlementRequests);

    public static FirstSettlementAnswerLostProxy Start(Uri apiBaseAddress, TimeSpan answerDelay) => new(apiBaseAddress, answerDelay);

    private async Task<IResponseMessage> ForwardAsync(IRequestMessage request)
    {
        var isFirst = Interlocked.Increment(ref settlementRequests) == 1;
        if (!isFirst)
        {
            await firstSettled.Task;
        }

        using var forward = new HttpRequestMessage(HttpMethod.Post, "/api/v1/settlements")
        {
            Content = new StringContent(request.Body ?? "", Encoding.UTF8, "application/json"),
        };
        foreach (var header in ForwardedRequestHeaders)
        {
            if (request.Headers?.FirstOrDefault(candidate => string.Equals(candidate.Key, header, StringComparison.OrdinalIgnoreCase)).Value is { } values)
            {
                forward.Headers.Add(header, values.ToArray());
            }
        }

        using var answer = await api.SendAsync(forward, stopping.Token);
        var response = new ResponseMessage
        {
            StatusCode = (int)answer.StatusCode,
            BodyData = new BodyData { BodyAsString = await answer.Content.ReadAsStringAsync(stopping.Token), DetectedBodyType = BodyType.String },
        };
        response.AddHeader("Content-Type", answer.Content.Headers.ContentType?.ToString() ?? "application/json");
        foreach (var header in ForwardedResponseHeaders)
        {
            if (answer.Headers.TryGetValues(header, out var values))
            {
                response.AddHeader(header, values.ToArray());
            }
        }

        if (isFirst)
        {
            firstSettled.SetResult();
            try
            {
                await Task.Delay(answerDelay, stopping.Token);
            }
            catch (OperationCanceledException)
            {
                // Disposed before the delay was up: the client has long given up on this answer.
            }
        }

        return response;
    }

    public void Dispose()
    {
        stopping.Cancel();
        server.Stop();
        server.Dispose();
        stopping.Dispose();
        api.Dispose();
    }
}

/// <summary>The real API on Kestrel at a free 127.0.0.1 port, on a fresh database, for clients that need a real address.</summary>
public abstract class KestrelApiFixture(DatabaseProvider provider) : IAsyncLifetime
{
    private MedicalAidApp? app;

    public string? SkipReason { get; private set; }

    public MedicalAidApp App => app ?? throw new InvalidOperationException(SkipReason ?? "The app has not started.");

    public Uri BaseAddress { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (provider == DatabaseProvider.Postgres && await PostgresServer.WhyUnavailableAsync() is { } reason)
        {
            if (PostgresServer.Required)
            {
                throw new InvalidOperationException($"PostgreSQL is required here (CI) but: {reason}");
            }

            SkipReason = reason + " (set MEDICALAID_TEST_POSTGRES, or see README; CI requires it)";
            return;
        }

        app = new MedicalAidApp(await TestDatabase.CreateAsync(provider));
        app.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        BaseAddress = new Uri(addresses.Single());
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteKestrelFixture() : KestrelApiFixture(DatabaseProvider.Sqlite);

public sealed class PostgresKestrelFixture() : KestrelApiFixture(DatabaseProvider.Postgres);

/// <summary>The mock hospital systems (WireMock.Net callback receivers) through the callback contract; no database needed.</summary>
public sealed class MockHospitalCallbackTests
{
    private const string Secret = "mcs_test-callback-secret";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Callbacks_DeliveredThroughTheCallbackContract_AreRecorded_AndADuplicateDeliveryIdIsDropped()
    {
        using var mock = MockHospitalSystem.Start("H001", callbackSecret: Secret);
        using var services = CallbackClient(mock.Url);
        var callbacks = services.GetRequiredService<IHospitalCallbackApi>();
        var notification = Notification();

        await callbacks.NotifyAsync(notification, "delivery-1", Cancel);
        await callbacks.NotifyAsync(notification, "delivery-1", Cancel);
        await callbacks.DeliverClearingStatementAsync(Statement(), "delivery-2", Cancel);

        Assert.Equal(
            [("delivery-1", CallbackKind.Notification), ("delivery-2", CallbackKind.ClearingStatement)],
            mock.Deliveries.Select(delivery => (delivery.DeliveryId, delivery.Kind)));
        Assert.Equal(
            [DeliveryOutcome.Stored, DeliveryOutcome.Duplicate, DeliveryOutcome.Stored],
            mock.Attempts.Select(attempt => attempt.Outcome));
        Assert.Equal(notification, JsonSerializer.Deserialize<HospitalNotification>(mock.Deliveries[0].Body, JsonSerializerOptions.Web));
    }

    [Fact]
    public async Task Callback_WhoseFirstAttemptIsAnsweredWithAnError_IsRetried_AndStoredOnce()
    {
        using var mock = MockHospitalSystem.Start("H001", faults: new HospitalFaults { FirstAttempt = FaultKind.Error }, callbackSecret: Secret);
        using var services = CallbackClient(mock.Url);

        await services.GetRequiredService<IHospitalCallbackApi>().NotifyAsync(Notification(), "delivery-1", Cancel);

        Assert.Equal([DeliveryOutcome.Error, DeliveryOutcome.Stored], mock.Attempts.Select(attempt => attempt.Outcome));
        Assert.Equal(["delivery-1"], mock.Deliveries.Select(delivery => delivery.DeliveryId));
    }

    [Fact]
    public async Task Callback_WhoseFirstConnectionIsDroppedAfterStoring_IsRetried_AndTheRedeliveryIsADuplicate()
    {
        using var mock = MockHospitalSystem.Start("H001", faults: new HospitalFaults { FirstAttempt = FaultKind.Drop }, callbackSecret: Secret);
        using var services = CallbackClient(mock.Url);

        await services.GetRequiredService<IHospitalCallbackApi>().DeliverClearingStatementAsync(Statement(), "delivery-1", Cancel);

        Assert.Equal([DeliveryOutcome.Dropped, DeliveryOutcome.Duplicate], mock.Attempts.Select(attempt => attempt.Outcome));
        Assert.Equal(["delivery-1"], mock.Deliveries.Select(delivery => delivery.DeliveryId));
    }

    [Fact]
    public async Task DroppedConnection_ReachesAClientWithoutRetries_AsAFailure()
    {
        using var mock = MockHospitalSystem.Start("H001", faults: new HospitalFaults { FirstAttempt = FaultKind.Drop }, callbackSecret: Secret);
        using var http = SignedClient(mock.Url);
        using var message = new HttpRequestMessage(HttpMethod.Post, "/medicalaid/notifications") { Content = JsonContent.Create(Notification()) };
        message.Headers.Add(IHospitalCallbackApi.DeliveryIdHeader, "delivery-1");

        await Assert.ThrowsAsync<HttpRequestException>(() => http.SendAsync(message, Cancel));
    }

    [Fact]
    public async Task Callback_WithoutADeliveryId_IsRefused_AndNotStored()
    {
        using var mock = MockHospitalSystem.Start("H001", callbackSecret: Secret);
        using var http = SignedClient(mock.Url);

        using var response = await http.PostAsJsonAsync("/medicalaid/notifications", Notification(), Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(mock.Deliveries);
        Assert.Equal([DeliveryOutcome.Refused], mock.Attempts.Select(attempt => attempt.Outcome));
    }

    private static HttpClient SignedClient(Uri baseUrl) =>
#pragma warning disable CA2000 // The client owns and disposes its handlers.
        new(new CallbackSigningHandler(Secret) { InnerHandler = new HttpClientHandler() }) { BaseAddress = baseUrl };
#pragma warning restore CA2000

    private static ServiceProvider CallbackClient(Uri hospitalBaseUrl)
    {
        var services = new ServiceCollection();
        services.AddHospitalCallbackClient(Secret, resilience => resilience.Retry.Delay = TimeSpan.FromMilliseconds(10))
            .ConfigureHttpClient(client => client.BaseAddress = hospitalBaseUrl);
        return services.BuildServiceProvider();
    }

    private static HospitalNotification Notification() => new()
    {
        NotificationId = Guid.Parse("0193a6b2-7c1e-7d8a-9f00-3c2b1a0e9d11"),
        Kind = "settlement-reversed-by-staff",
        Message = "结算已由经办人员撤销",
        SettlementId = Guid.Parse("0193a6b2-7c1e-7d8a-9f00-3c2b1a0e9d12"),
        At = new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.FromHours(8)),
    };

    private static ClearingStatementNotice Statement() => new()
    {
        StatementId = Guid.Parse("0193a6b2-7c1e-7d8a-9f00-3c2b1a0e9d13"),
        HospitalCode = "H001",
        Month = "2026-11",
        SettlementCount = 2,
        ReversalCount = 0,
        Channels = [new ChannelAmount { Channel = AssistanceChannel.Inpatient, Amount = 6_000.00m }],
        TotalOwed = 6_000.00m,
        IssuedAt = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(8)),
        AcknowledgementPath = "/api/v1/clearing-statements/0193a6b2-7c1e-7d8a-9f00-3c2b1a0e9d13/acknowledgement",
    };
}

/// <summary>The mock hospitals' seeded generators: the same seed gives the same run, and every bill and person is valid.</summary>
public sealed class MockHospitalPlanTests
{
    private static DriveOptions Options(int seed) => new()
    {
        Hospitals = HospitalAccount.Demo,
        Count = 200,
        Seed = seed,
        RetryShare = 0.1m,
        ReversalShare = 0.05m,
        ServiceDate = new DateOnly(2026, 11, 28),
        RunId = "PLAN",
    };

    [Fact]
    public void Plan_WithTheSameSeed_HasTheSameVisitsBillsAndOrder()
    {
        var patients = Population.Generate(50, seed: 3);

        var first = JsonSerializer.Serialize(DischargePlanner.Plan(Options(7), patients));
        var second = JsonSerializer.Serialize(DischargePlanner.Plan(Options(7), Population.Generate(50, seed: 3)));
        var otherSeed = JsonSerializer.Serialize(DischargePlanner.Plan(Options(8), patients));

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void Plan_BillsAreValidRequests_WithUniqueVisitNumbersPerHospital()
    {
        var plan = DischargePlanner.Plan(Options(7), Population.Demo);

        Assert.All(plan, visit =>
        {
            var amounts = visit.Request.Amounts;
            var insurance = amounts.BasicInsurancePaid + amounts.CriticalIllnessInsurancePaid + amounts.OtherInsurancePaid;
            Assert.InRange(amounts.PolicyScope, insurance, amounts.Total);
            Assert.All(new[] { amounts.Total, amounts.PolicyScope, amounts.BasicInsurancePaid, amounts.CriticalIllnessInsurancePaid, amounts.OtherInsurancePaid },
                amount => Assert.Equal(amount, Math.Round(amount, 2)));
            Assert.Equal(visit.Request.VisitType == VisitType.Inpatient ? visit.Request.DischargeDate : visit.Request.VisitDate, new DateOnly(2026, 11, 28));
        });
        Assert.Equal(plan.Count, plan.Select(visit => (visit.HospitalCode, visit.Request.VisitNumber)).Distinct().Count());
        Assert.Contains(plan, visit => visit.Request.VisitType == VisitType.Inpatient);
        Assert.Contains(plan, visit => visit.Request.VisitType == VisitType.Outpatient);
    }

    [Fact]
    public void GeneratedPopulation_HasDistinctValidResidentIdNumbers()
    {
        var people = Population.Generate(500, seed: 1);

        Assert.Equal(500, people.Select(person => person.Identity.IdNumber).Distinct().Count());
        Assert.All(people, person => Assert.Equal(ResidentIdProblem.None, ResidentIdNumber.Check(person.Identity.IdNumber, new DateOnly(2026, 11, 29))));
    }
}
