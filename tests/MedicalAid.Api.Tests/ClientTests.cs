using System.Net;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Client;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using Refit;

namespace MedicalAid.Api.Tests;

public sealed class SqliteClientTests(SqliteFixture fixture) : ClientTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresClientTests(PostgresFixture fixture) : ClientTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>The Refit client hospitals reference, against the real API: typed results and typed problems.</summary>
public abstract class ClientTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Client_SettlesRetriesAndReverses_WithTheSameTypesAsTheApi()
    {
        var api = Client(Keys.H001);
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        var request = Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m);
        var key = MedicalAidClientSetup.IdempotencyKeyFor("H001", request.VisitNumber);

        var eligibility = await api.GetEligibilityAsync(patient.IdNumber, MedicalAidApp.Today, Cancel);
        var preview = await api.PreviewAsync(request, Cancel);
        using var settled = await api.SettleAsync(request, key, Cancel);
        using var replayed = await api.SettleAsync(request, key, Cancel);
        var reversal = await api.ReverseAsync(settled.Content!.SettlementId, new ReversalRequest { Reason = "测试" }, Guid.NewGuid().ToString(), Cancel);
        var found = await api.FindSettlementsByVisitAsync(request.VisitNumber, Cancel);

        Assert.True(eligibility.Eligible);
        Assert.Equal(2_450.00m, preview.PatientPays);
        Assert.Equal(HttpStatusCode.Created, settled.StatusCode);
        Assert.Equal(settled.Content!.SettlementId, replayed.Content!.SettlementId);
        Assert.True(replayed.IsReplay());
        Assert.False(settled.IsReplay());
        Assert.Equal(7_750.00m, reversal.FundsRestored);
        Assert.Equal(SettlementStatus.Reversed, Assert.Single(found).Status);
    }

    [Fact]
    public async Task Client_Problems_AreTypedExceptionsCarryingTheProblemType()
    {
        var api = Client(Keys.H001);
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.SpecialCare);
        var request = Requests.Outpatient(patient, 300m, 300m, 0m);
        using var first = await api.SettleAsync(request, Guid.NewGuid().ToString(), Cancel);

        using var second = await api.SettleAsync(request, Guid.NewGuid().ToString(), Cancel);
        var conflict = Assert.Throws<MedicalAidProblemException>(() => second.ContentOrThrow());
        var invalid = await Assert.ThrowsAsync<MedicalAidProblemException>(() => api.PreviewAsync(request with { Amounts = request.Amounts with { PolicyScope = 301m } }, Cancel));
        var missing = await Assert.ThrowsAsync<MedicalAidProblemException>(() => api.GetSettlementAsync(Guid.NewGuid(), Cancel));
        var unauthorized = await Assert.ThrowsAsync<MedicalAidProblemException>(() => Client("wrong-key").GetEligibilityAsync(patient.IdNumber, cancellationToken: Cancel));

        Assert.Equal(ProblemTypes.VisitAlreadySettled, conflict.Type);
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        Assert.Equal(first.Content!.SettlementId.ToString(), conflict.Body!.Value.GetProperty("settlementId").GetString());
        Assert.Equal(ProblemTypes.Validation, invalid.Type);
        Assert.Contains("amounts.policyScope", invalid.Errors.Keys);
        Assert.Equal(ProblemTypes.NotFound, missing.Type);
        Assert.Equal(ProblemTypes.Unauthorized, unauthorized.Type);
    }

    private IMedicalAidHospitalApi Client(string apiKey)
    {
        var http = App.CreateClient();
        http.DefaultRequestHeaders.Add(MedicalAidClientSetup.ApiKeyHeader, apiKey);
        return RestService.For<IMedicalAidHospitalApi>(http, MedicalAidClientSetup.Settings());
    }
}
