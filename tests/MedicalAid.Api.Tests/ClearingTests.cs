using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedicalAid.Api.Clearing;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Client;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using MedicalAid.MockHospital.Hospitals;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Refit;
using HospitalLevel = MedicalAid.Contracts.Admin.HospitalLevel;

namespace MedicalAid.Api.Tests;

public sealed class SqliteClearingTests(SqliteClearingFixture fixture) : ClearingTests(fixture), IClassFixture<SqliteClearingFixture>;

public sealed class PostgresClearingTests(PostgresClearingFixture fixture) : ClearingTests(fixture), IClassFixture<PostgresClearingFixture>;

/// <summary>An app of its own whose outbox loop is off: the tests run dispatch passes themselves, on the fake clock.</summary>
public abstract class ClearingFixture(DatabaseProvider provider) : IAsyncLifetime
{
    private MedicalAidApp? app;

    public string? SkipReason { get; private set; }

    public MedicalAidApp App => app ?? throw new InvalidOperationException(SkipReason ?? "The app has not started.");

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
        app.ExtraSettings["Clearing:Enabled"] = "false";
        await app.Services.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope().DisposeAsync();
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

public sealed class SqliteClearingFixture() : ClearingFixture(DatabaseProvider.Sqlite);

public sealed class PostgresClearingFixture() : ClearingFixture(DatabaseProvider.Postgres);

/// <summary>
/// Monthly clearing (清算) over HTTP on each real database, delivered through the outbox to a WireMock hospital system.
/// The tests clear October 2026 (the clock stands at 2026-11-29, Shanghai); only <see cref="ClearingTests.ClearingAMonth_IsDeliveredOnceDespiteFailures_AndARerunAddsNothing"/>
/// settles in October, so every other test leaves that month as it is.
/// </summary>
public abstract class ClearingTests
{
    private const string Month = "2026-10";
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    protected ClearingTests(ClearingFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        Assert.SkipWhen(fixture.SkipReason is not null, fixture.SkipReason ?? "");
        App = fixture.App;
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private MedicalAidApp App { get; }

    [Fact]
    public async Task ClearingAMonth_IsDeliveredOnceDespiteFailures_AndARerunAddsNothing()
    {
        using var mock = MockHospitalSystem.Start("CLR", faults: new HospitalFaults { FailFirstAttempts = 2 }, time: App.Clock);
        var (code, key) = await RegisterHospitalAsync(mock);
        var (_, otherKey) = await RegisterHospitalAsync(null);
        using var hospital = App.Hospital(key);
        using var other = App.Hospital(otherKey);

        // Either side of the month's edges in Shanghai, and reversals made inside and outside the month.
        var september = await SettleAsync(hospital, new DateTimeOffset(2026, 9, 30, 15, 59, 59, TimeSpan.Zero),
            patient => Requests.Inpatient(patient, 8_000.00m, 7_000.00m, 3_000.00m, dischargeDate: new DateOnly(2026, 9, 30)));
        var firstInstant = await SettleAsync(hospital, new DateTimeOffset(2026, 9, 30, 16, 0, 0, TimeSpan.Zero),
            patient => Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: new DateOnly(2026, 10, 1)));
        var reversedInOctober = await SettleAsync(hospital, At(2026, 10, 5, 9),
            patient => Requests.Inpatient(patient, 9_000.00m, 8_000.00m, 4_500.00m, dischargeDate: new DateOnly(2026, 10, 5)));
        var reversedInNovember = await SettleAsync(hospital, At(2026, 10, 15, 10),
            patient => Requests.Inpatient(patient, 5_000.00m, 4_000.00m, 2_000.00m, dischargeDate: new DateOnly(2026, 10, 15)), DemoPolicy.ExtremePoverty);
        var lastSecond = await SettleAsync(hospital, new DateTimeOffset(2026, 10, 31, 15, 59, 59, TimeSpan.Zero),
            patient => Requests.Outpatient(patient, 600.00m, 600.00m, 100.00m, visitDate: new DateOnly(2026, 10, 31)));
        var november = await SettleAsync(hospital, new DateTimeOffset(2026, 10, 31, 16, 0, 0, TimeSpan.Zero),
            patient => Requests.Outpatient(patient, 500.00m, 500.00m, 100.00m, visitDate: new DateOnly(2026, 11, 1)));
        await ReverseAsync(hospital, reversedInOctober.SettlementId, At(2026, 10, 20, 11));
        await ReverseAsync(hospital, september.SettlementId, At(2026, 10, 25, 11));
        await ReverseAsync(hospital, reversedInNovember.SettlementId, At(2026, 11, 2, 11));
        Assert.NotEqual(Guid.Empty, november.SettlementId);

        // Computed here from what the API answered: October's settlements minus October's reversals.
        var settledInOctober = new[] { firstInstant, reversedInOctober, reversedInNovember, lastSecond };
        var reversalsInOctober = new[] { reversedInOctober, september };
        var expected = Enum.GetValues<AssistanceChannel>().ToDictionary(
            channel => channel,
            channel => settledInOctober.Sum(settlement => AmountOf(settlement, channel)) - reversalsInOctober.Sum(settlement => AmountOf(settlement, channel)));
        var expectedTotal = expected.Values.Sum();
        Assert.True(expected[AssistanceChannel.Inpatient] > 0 && expected[AssistanceChannel.Charity] > 0);

        using var admin = App.Staff("admin", "王科长");
        var run = await RunAsync(admin);
        Assert.Equal(Month, run.Month);
        var statement = Assert.Single(run.Statements, candidate => candidate.HospitalCode == code);
        Assert.Equal(4, statement.SettlementCount);
        Assert.Equal(2, statement.ReversalCount);
        Assert.Equal(Enum.GetValues<AssistanceChannel>(), statement.Channels.Select(channel => channel.Channel));
        Assert.All(statement.Channels, channel => Assert.Equal(expected[channel.Channel], channel.Amount));
        Assert.Equal(expectedTotal, statement.TotalOwed);
        Assert.Equal(ClearingStatementStatus.Issued, statement.Status);
        Assert.Null(statement.DeliveredAt);
        Assert.Contains(run.Statements, candidate => candidate.HospitalCode == "H001");
        var runAudit = await App.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .SingleAsync(entry => entry.EntityType == "clearing-run" && entry.EntityId == Month, Cancel));
        Assert.Equal(("clearing-run.issued", "王科长"), (runAudit.Action, runAudit.Actor));
        Assert.Contains(statement.StatementId.ToString(), runAudit.After!, StringComparison.Ordinal);

        // Deliver: the hospital answers 500 twice, then stores it. Each pass is run by hand, the clock moved past the backoff.
        var dispatcher = App.Services.GetRequiredService<OutboxDispatcher>();
        for (var pass = 0; pass < 6 && await DeliveredAtAsync(statement.StatementId) is null; pass++)
        {
            await dispatcher.DispatchDueAsync(Cancel);
            App.Clock.Advance(TimeSpan.FromMinutes(5));
        }

        Assert.NotNull(await DeliveredAtAsync(statement.StatementId));
        App.Clock.Advance(TimeSpan.FromHours(2));
        await dispatcher.DispatchDueAsync(Cancel);

        var attempts = mock.Attempts.Where(attempt => attempt.Kind == CallbackKind.ClearingStatement).ToList();
        Assert.Equal([DeliveryOutcome.Error, DeliveryOutcome.Error, DeliveryOutcome.Stored], attempts.Select(attempt => attempt.Outcome));
        Assert.Single(attempts.Select(attempt => attempt.DeliveryId).Distinct());
        var delivery = Assert.Single(mock.Deliveries);
        var notice = JsonSerializer.Deserialize<ClearingStatementNotice>(delivery.Body, JsonSerializerOptions.Web)!;
        Assert.Equal(statement.StatementId, notice.StatementId);
        Assert.Equal(code, notice.HospitalCode);
        Assert.Equal(Month, notice.Month);
        Assert.Equal(expectedTotal, notice.TotalOwed);
        Assert.All(notice.Channels, channel => Assert.Equal(expected[channel.Channel], channel.Amount));
        Assert.Equal($"/api/v1/clearing-statements/{statement.StatementId}/acknowledgement", notice.AcknowledgementPath);

        // The same month again: nothing new issued, nothing enqueued.
        var outboxBefore = await App.CountAsync<OutboxMessage>();
        var statementsBefore = await App.CountAsync<ClearingStatement>();
        var again = await RunAsync(admin);
        Assert.Equal(0, again.Created);
        Assert.Equal(run.Statements.Select(candidate => candidate.StatementId).Order(), again.Statements.Select(candidate => candidate.StatementId).Order());
        Assert.Equal(outboxBefore, await App.CountAsync<OutboxMessage>());
        Assert.Equal(statementsBefore, await App.CountAsync<ClearingStatement>());
        var sent = Assert.Single(again.Statements, candidate => candidate.HospitalCode == code);
        Assert.Equal(3, sent.DeliveryAttempts);
        Assert.NotNull(sent.DeliveredAt);

        // The hospital acknowledges its own statement, once; another hospital cannot even see it.
        using var foreign = await other.PostAsync(notice.AcknowledgementPath, null, Cancel);
        await SettlementTests.AssertProblemAsync(foreign, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        var acknowledged = await AcknowledgeAsync(hospital, notice.AcknowledgementPath);
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        var sdk = RestService.For<IMedicalAidHospitalApi>(hospital, MedicalAidClientSetup.Settings());
        var acknowledgedAgain = await sdk.AcknowledgeClearingStatementAsync(statement.StatementId, Cancel);
        Assert.Equal(ClearingStatementStatus.Acknowledged, acknowledged.Status);
        Assert.Equal(acknowledged, acknowledgedAgain);

        // Staff pay it: audited once, however often it is marked.
        using var paid = await admin.PostAsync($"/api/v1/admin/clearing-statements/{statement.StatementId}/payment", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        var paidStatement = (await paid.Content.ReadFromJsonAsync<ClearingStatementResponse>(Cancel))!;
        Assert.Equal(ClearingStatementStatus.Paid, paidStatement.Status);
        Assert.Equal(App.Clock.GetUtcNow(), paidStatement.PaidAt);
        Assert.Equal(acknowledged.AcknowledgedAt, paidStatement.AcknowledgedAt);
        using var paidAgain = await admin.PostAsync($"/api/v1/admin/clearing-statements/{statement.StatementId}/payment", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, paidAgain.StatusCode);
        var audit = await App.WithDbAsync(db => db.AuditEntries.AsNoTracking()
            .Where(entry => entry.EntityType == "clearing-statement" && entry.EntityId == statement.StatementId.ToString())
            .ToListAsync(Cancel));
        Assert.Equal(["clearing-statement.issued", "clearing-statement.paid"], audit.OrderBy(entry => entry.Id).Select(entry => entry.Action));
        Assert.All(audit, entry => Assert.Equal("王科长", entry.Actor));

        // Acknowledging a paid statement leaves it paid.
        Assert.Equal(ClearingStatementStatus.Paid, (await AcknowledgeAsync(hospital, notice.AcknowledgementPath)).Status);

        using var auditor = App.Staff("auditor");
        var read = await auditor.GetFromJsonAsync<ClearingStatementResponse>($"/api/v1/admin/clearing-statements/{statement.StatementId}", Cancel);
        Assert.Equal(JsonSerializer.Serialize(paidStatement), JsonSerializer.Serialize(read));
        var listed = await auditor.GetFromJsonAsync<ClearingRunResponse>($"/api/v1/admin/clearing-runs?month={Month}", Cancel);
        Assert.Contains(listed!.Statements, candidate => candidate.StatementId == statement.StatementId && candidate.Status == ClearingStatementStatus.Paid);
    }

    [Fact]
    public async Task ConcurrentDispatchers_DeliverEachStatementOnce_AndAClaimOfADeadInstanceIsRetakenAfterItsLease()
    {
        // September 2026: three hospitals share one slow hospital system, so that the passes below overlap.
        using var mock = MockHospitalSystem.Start("CLR-MANY", faults: new HospitalFaults { Delay = TimeSpan.FromMilliseconds(150) }, time: App.Clock);
        var codes = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            codes.Add((await RegisterHospitalAsync(mock)).Code);
        }

        using var admin = App.Staff("admin");
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/clearing-runs", new ClearingRunRequest { Month = "2026-09" }, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var run = (await response.Content.ReadFromJsonAsync<ClearingRunResponse>(Cancel))!;
        var ours = run.Statements.Where(statement => codes.Contains(statement.HospitalCode)).Select(statement => statement.StatementId).ToList();
        Assert.Equal(3, ours.Count);

        // One of them was claimed by an instance that then died: its lease keeps the others off it until it ends.
        var abandoned = ours[0];
        await App.WithDbAsync(db => db.OutboxMessages
            .Where(message => message.SubjectId == abandoned)
            .ExecuteUpdateAsync(set => set.SetProperty(message => message.Attempts, 1).SetProperty(message => message.NextAttemptAt, App.Clock.GetUtcNow() + OutboxDispatcher.Lease), Cancel));

        var dispatcher = App.Services.GetRequiredService<OutboxDispatcher>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => dispatcher.DispatchDueAsync(Cancel)));

        Assert.Equal(2, mock.Deliveries.Count);
        Assert.Null(await DeliveredAtAsync(abandoned));
        App.Clock.Advance(OutboxDispatcher.Lease);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => dispatcher.DispatchDueAsync(Cancel)));

        foreach (var statement in ours)
        {
            Assert.NotNull(await DeliveredAtAsync(statement));
        }

        Assert.Equal(3, mock.Deliveries.Count);
        Assert.Equal(3, mock.Attempts.Count);
        Assert.All(mock.Attempts, attempt => Assert.Equal(DeliveryOutcome.Stored, attempt.Outcome));
        var notices = mock.Deliveries.Select(delivery => JsonSerializer.Deserialize<ClearingStatementNotice>(delivery.Body, JsonSerializerOptions.Web)!.StatementId);
        Assert.Equal(ours.Order(), notices.Order());
    }

    [Fact]
    public async Task Roles_AuditorReads_AdminRuns_HospitalKeyAndOtherRolesAreRefused()
    {
        using var auditor = App.Staff("auditor");
        using var operatorClient = App.Staff("operator");
        using var hospital = App.Hospital(Keys.H001);
        var body = new ClearingRunRequest { Month = Month };

        using var byAuditor = await auditor.PostAsJsonAsync("/api/v1/admin/clearing-runs", body, Cancel);
        using var byOperator = await operatorClient.PostAsJsonAsync("/api/v1/admin/clearing-runs", body, Cancel);
        using var byHospital = await hospital.PostAsJsonAsync("/api/v1/admin/clearing-runs", body, Cancel);
        using var readByHospital = await hospital.GetAsync($"/api/v1/admin/clearing-runs?month={Month}", Cancel);
        using var readByAuditor = await auditor.GetAsync($"/api/v1/admin/clearing-runs?month={Month}", Cancel);
        using var payByAuditor = await auditor.PostAsync($"/api/v1/admin/clearing-statements/{Guid.NewGuid()}/payment", null, Cancel);
        using var anonymous = App.CreateClient();
        using var noCredentials = await anonymous.GetAsync($"/api/v1/admin/clearing-runs?month={Month}", Cancel);
        using var staffAcknowledges = await auditor.PostAsync($"/api/v1/clearing-statements/{Guid.NewGuid()}/acknowledgement", null, Cancel);

        await SettlementTests.AssertProblemAsync(byAuditor, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await SettlementTests.AssertProblemAsync(byOperator, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await SettlementTests.AssertProblemAsync(byHospital, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await SettlementTests.AssertProblemAsync(readByHospital, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await SettlementTests.AssertProblemAsync(payByAuditor, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
        await SettlementTests.AssertProblemAsync(noCredentials, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        Assert.True(staffAcknowledges.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, staffAcknowledges.StatusCode.ToString());
        Assert.Equal(HttpStatusCode.OK, readByAuditor.StatusCode);
    }

    [Theory]
    [InlineData("2026-11")] // the current month in Shanghai has not ended
    [InlineData("2027-01")]
    [InlineData("2026-13")]
    [InlineData("2026-1")]
    [InlineData("October")]
    [InlineData("")]
    [InlineData("0001-01")] // before the first policy version and fund year: nothing can have been settled
    [InlineData("2023-12")]
    public async Task Run_MonthNotEndedMalformedOrBeforeTheScheme_Is400NamingMonth_AndIssuesNothing(string month)
    {
        using var admin = App.Staff("admin");
        var before = await App.CountAsync<ClearingStatement>();

        using var response = await admin.PostAsJsonAsync("/api/v1/admin/clearing-runs", new ClearingRunRequest { Month = month }, Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("month", out _));
        Assert.Equal(before, await App.CountAsync<ClearingStatement>());
    }

    [Fact]
    public async Task UnknownStatement_Is404ForStaffAndHospital()
    {
        using var auditor = App.Staff("auditor");
        using var admin = App.Staff("admin");
        using var hospital = App.Hospital(Keys.H001);
        var id = Guid.NewGuid();

        using var read = await auditor.GetAsync($"/api/v1/admin/clearing-statements/{id}", Cancel);
        using var pay = await admin.PostAsync($"/api/v1/admin/clearing-statements/{id}/payment", null, Cancel);
        using var acknowledge = await hospital.PostAsync($"/api/v1/clearing-statements/{id}/acknowledgement", null, Cancel);

        await SettlementTests.AssertProblemAsync(read, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await SettlementTests.AssertProblemAsync(pay, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await SettlementTests.AssertProblemAsync(acknowledge, HttpStatusCode.NotFound, ProblemTypes.NotFound);
    }

    [Fact]
    public void Backoff_DoublesFromTwoSeconds_AndIsCappedAtAnHour()
    {
        Assert.Equal(TimeSpan.FromSeconds(2), OutboxDispatcher.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(4), OutboxDispatcher.Backoff(2));
        Assert.Equal(TimeSpan.FromSeconds(1024), OutboxDispatcher.Backoff(10));
        Assert.Equal(TimeSpan.FromHours(1), OutboxDispatcher.Backoff(12));
        Assert.Equal(TimeSpan.FromHours(1), OutboxDispatcher.Backoff(int.MaxValue));
    }

    private static DateTimeOffset At(int year, int month, int day, int hour) => new DateTimeOffset(year, month, day, hour, 0, 0, Shanghai).ToUniversalTime();

    private static decimal AmountOf(SettlementResponse settlement, AssistanceChannel channel) =>
        settlement.Channels.Single(candidate => candidate.Channel == channel).Amount;

    private static async Task<ClearingRunResponse> RunAsync(HttpClient admin)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/clearing-runs", new ClearingRunRequest { Month = Month }, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonSerializer.Deserialize<ClearingRunResponse>(body, JsonSerializerOptions.Web)!;
    }

    private static async Task<ClearingAcknowledgement> AcknowledgeAsync(HttpClient hospital, string path)
    {
        using var response = await hospital.PostAsync(path, null, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonSerializer.Deserialize<ClearingAcknowledgement>(body, JsonSerializerOptions.Web)!;
    }

    private Task<DateTimeOffset?> DeliveredAtAsync(Guid statementId) =>
        App.WithDbAsync(db => db.OutboxMessages.AsNoTracking()
            .Where(message => message.SubjectId == statementId)
            .Select(message => message.DeliveredAt)
            .SingleAsync(Cancel));

    /// <summary>Registers a hospital whose callbacks go to <paramref name="mock"/> (none: no callback URL); the mock trusts its secret.</summary>
    private async Task<(string Code, string ApiKey)> RegisterHospitalAsync(MockHospitalSystem? mock)
    {
        var callbackUrl = mock?.Url;
        using var admin = App.Staff("admin", "王科长");
        var code = $"CL-{Guid.NewGuid():N}"[..12].ToUpperInvariant();
        using var response = await admin.PostAsJsonAsync(
            "/api/v1/admin/hospitals",
            new RegisterHospitalRequest { Code = code, Name = $"清算医院 {code}", Level = HospitalLevel.Secondary, CallbackBaseUrl = callbackUrl?.ToString() },
            Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var credentials = (await response.Content.ReadFromJsonAsync<HospitalCredentials>(Cancel))!;
        mock?.TrustCallbackSecret(credentials.CallbackSecret);
        return (credentials.Hospital.Code, credentials.ApiKey);
    }

    private async Task<SettlementResponse> SettleAsync(
        HttpClient client, DateTimeOffset at, Func<PatientIdentity, SettlementRequest> request, string category = DemoPolicy.MinimumLiving)
    {
        var patient = await App.NewBeneficiaryAsync(category);
        return await AtAsync(at, async () =>
        {
            using var response = await client.SettleAsync(request(patient));
            var body = await response.Content.ReadAsStringAsync(Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.Created, body);
            return JsonSerializer.Deserialize<SettlementResponse>(body, JsonSerializerOptions.Web)!;
        });
    }

    private Task<bool> ReverseAsync(HttpClient client, Guid settlementId, DateTimeOffset at) =>
        AtAsync(at, async () =>
        {
            using var response = await client.ReverseAsync(settlementId);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Cancel));
            return true;
        });

    private async Task<T> AtAsync<T>(DateTimeOffset instant, Func<Task<T>> work)
    {
        App.Clock.AdjustTime(instant);
        try
        {
            return await work();
        }
        finally
        {
            App.Clock.AdjustTime(MedicalAidApp.Now);
        }
    }
}
