using System.Net;
using System.Net.Http.Json;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Engine;

namespace MedicalAid.Api.Tests;

public sealed class SqliteConcurrencyTests(SqliteFixture fixture) : ConcurrencyTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresConcurrencyTests(PostgresFixture fixture) : ConcurrencyTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>Concurrent settlements against one beneficiary's caps and one fund's balance: the limits hold exactly.</summary>
public abstract class ConcurrencyTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FortyConcurrentSettlements_ForOneBeneficiaryNearTheAnnualCap_NeverExceedIt()
    {
        // Extreme poverty, 100% inpatient: each stay asks 2,500.00; forty ask 100,000.00 against the 80,000.00 shared cap.
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.ExtremePoverty);

        var settlements = await Task.WhenAll(Enumerable.Range(0, 40).Select(async _ =>
        {
            using var client = App.Hospital(Keys.H001);
            using var response = await client.SettleAsync(Requests.Inpatient(patient, 2_500.00m, 2_500.00m, 0m));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        }));

        var inpatient = settlements.Select(settlement => settlement.Channels[2]).ToList();
        Assert.Equal(80_000.00m, inpatient.Sum(channel => channel.Amount));
        Assert.Equal(32, inpatient.Count(channel => channel.Amount == 2_500.00m));
        Assert.Equal(8, inpatient.Count(channel => channel.Reasons.Contains("CAP_REACHED")));
        Assert.Single(settlements, settlement => settlement.Channels[0].Amount == 400.00m);
        using var h001 = App.Hospital(Keys.H001);
        var eligibility = await h001.GetFromJsonAsync<EligibilityResponse>($"/api/v1/eligibility/{patient.IdNumber}", Cancel);
        Assert.Equal(0m, eligibility!.SharedAnnualCap!.Remaining);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task ConcurrentCharityPayments_OnANearlyEmptyFund_NeverTakeItBelowZero()
    {
        // The previous year's charity fund holds 2,000.00; twenty stays each ask 1,050.00 of charity (worked example one).
        const int serviceYear = 2025;
        await App.SetFundBalanceAsync(serviceYear, Channel.Charity, Money.FromYuan(2_000));
        var patients = new List<PatientIdentity>();
        for (var i = 0; i < 20; i++)
        {
            patients.Add(await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving));
        }

        var settlements = await Task.WhenAll(patients.Select(async (patient, i) =>
        {
            using var client = App.Hospital(i % 2 == 0 ? Keys.H001 : Keys.H003);
            var request = Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: new DateOnly(serviceYear, 6, 30));
            using var response = await client.SettleAsync(request);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        }));

        var charity = settlements.Select(settlement => settlement.Channels[4]).ToList();
        Assert.Equal(2_000.00m, charity.Sum(channel => channel.Amount));
        Assert.True(charity.Count(channel => channel.Reasons.Contains("FUND_EXHAUSTED")) >= 18);
        Assert.All(settlements, settlement => Assert.Equal(
            settlement.Amounts.Total,
            settlement.Amounts.BasicInsurancePaid + settlement.AssistanceTotal + settlement.PatientPays));
        var balance = await App.WithDbAsync(db => Task.FromResult(db.Funds.Single(fund => fund.Year == serviceYear && fund.Channel == Channel.Charity).Balance));
        Assert.Equal(Money.Zero, balance);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task ConcurrentSettlementsOfOneVisitNumberForDifferentPatients_SettleItOnce()
    {
        // Different beneficiaries take different usage locks, so only the unique index can stop the second settlement.
        var visitNumber = Requests.NewVisitNumber("ZY");
        var patients = new List<PatientIdentity>();
        for (var i = 0; i < 20; i++)
        {
            patients.Add(await App.NewBeneficiaryAsync(DemoPolicy.SpecialCare));
        }

        var statuses = await Task.WhenAll(patients.Select(async patient =>
        {
            using var client = App.Hospital(Keys.H002);
            using var response = await client.SettleAsync(Requests.Inpatient(patient, 5_000.00m, 5_000.00m, 2_000.00m, visitNumber));
            return response.StatusCode;
        }));

        Assert.Single(statuses, HttpStatusCode.Created);
        Assert.Equal(19, statuses.Count(status => status == HttpStatusCode.Conflict));
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task ConcurrentRequestsUnderOneKeyWithDifferentBodies_SettleOnceAndRefuseTheRest()
    {
        var key = Guid.NewGuid().ToString();
        var patients = new List<PatientIdentity>();
        for (var i = 0; i < 12; i++)
        {
            patients.Add(await App.NewBeneficiaryAsync(DemoPolicy.HeroicAct));
        }

        var statuses = await Task.WhenAll(patients.Select(async patient =>
        {
            using var client = App.Hospital(Keys.H001);
            using var response = await client.SettleAsync(Requests.Outpatient(patient, 400.00m, 400.00m, 100.00m), key);
            return response.StatusCode;
        }));

        Assert.Single(statuses, HttpStatusCode.Created);
        Assert.Equal(11, statuses.Count(status => status == HttpStatusCode.UnprocessableEntity));
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task ReversalByRequestRacingItsOriginal_EitherReversesOrVoids_NeverBoth()
    {
        var pairs = new List<Task<(HttpStatusCode Settle, ReversalByRequestOutcome Outcome)>>();
        for (var i = 0; i < 10; i++)
        {
            var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
            var key = Guid.NewGuid().ToString();
            pairs.Add(RaceAsync(patient, key));
        }

        var results = await Task.WhenAll(pairs);

        foreach (var (settle, outcome) in results)
        {
            // Voided first: the original is refused. Settled first: the reversal reverses it.
            Assert.True(
                (settle == HttpStatusCode.Conflict && outcome == ReversalByRequestOutcome.Voided)
                || (settle == HttpStatusCode.Created && outcome == ReversalByRequestOutcome.Reversed),
                $"settle {settle}, reversal by request {outcome}");
        }

        await App.AssertInvariantsAsync();

        async Task<(HttpStatusCode, ReversalByRequestOutcome)> RaceAsync(PatientIdentity patient, string key)
        {
            using var settleClient = App.Hospital(Keys.H001);
            using var reverseClient = App.Hospital(Keys.H001);
            var settling = settleClient.SettleAsync(Requests.Outpatient(patient, 600.00m, 600.00m, 100.00m), key);
            var reversing = reverseClient.PostAsJsonAsync("/api/v1/settlements/reversal-by-request", new ReversalByRequest { OriginalIdempotencyKey = key }, Cancel);
            using var settled = await settling;
            using var reversed = await reversing;
            var outcome = (await reversed.Content.ReadFromJsonAsync<ReversalByRequestResponse>(Cancel))!.Outcome;
            return (settled.StatusCode, outcome);
        }
    }

    [Fact]
    public async Task ConcurrentSettlementsOfOneVisitWithDifferentKeys_SettleItOnce()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.SpecialCare);
        var request = Requests.Inpatient(patient, 10_000.00m, 9_000.00m, 5_000.00m);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var client = App.Hospital(Keys.H002);
            using var response = await client.SettleAsync(request);
            return response.StatusCode;
        }));

        Assert.Single(statuses, HttpStatusCode.Created);
        Assert.Equal(19, statuses.Count(status => status == HttpStatusCode.Conflict));
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task TwoApiInstancesOnOneDatabase_RetriesAndCapRacesStillSettleOnceAndWithinCaps()
    {
        // A second host on the same database: its own service provider, connection pool and caches, as a second process has.
        await using var second = new MedicalAidApp(App.Database, ownsDatabase: false);
        var instances = new[] { App, second };
        var retried = Requests.Inpatient(await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving), 20_000.00m, 18_000.00m, 10_000.00m);
        var key = Guid.NewGuid().ToString();
        var capped = await App.NewBeneficiaryAsync(DemoPolicy.Orphan);

        var retries = Enumerable.Range(0, 20).Select(async i =>
        {
            using var client = instances[i % 2].Hospital(Keys.H003);
            using var response = await client.SettleAsync(retried, key);
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!.SettlementId);
        }).ToList();
        var capRace = Enumerable.Range(0, 20).Select(async i =>
        {
            using var client = instances[i % 2].Hospital(Keys.H002);
            using var response = await client.SettleAsync(Requests.Outpatient(capped, 300.00m, 300.00m, 0m));
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!.Channels[1].Amount);
        }).ToList();
        var retryResults = await Task.WhenAll(retries);
        var capResults = await Task.WhenAll(capRace);

        Assert.All(retryResults, result => Assert.Equal(HttpStatusCode.Created, result.StatusCode));
        Assert.Single(retryResults.Select(result => result.SettlementId).Distinct());
        Assert.All(capResults, result => Assert.Equal(HttpStatusCode.Created, result.StatusCode));
        // Orphan, outpatient 100%: twenty visits ask 6,000.00 against the 4,000.00 outpatient cap.
        Assert.Equal(4_000.00m, capResults.Sum(result => result.Amount));
        await App.AssertInvariantsAsync();
    }
}
