using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Engine;

namespace MedicalAid.Api.Tests;

public sealed class SqliteReconciliationTests(SqliteFixture fixture) : ReconciliationTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresReconciliationTests(PostgresFixture fixture) : ReconciliationTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>
/// Reconciliation (对总账, 对明细账) over HTTP, on each real database. The class has its database to itself, and each
/// test settles on days of its own in November 2026, moving the shared clock there and back (xunit runs a class's
/// tests one at a time), so that what a test expects is what it settled itself.
/// </summary>
public abstract class ReconciliationTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static readonly TimeSpan Shanghai = TimeSpan.FromHours(8);

    private static readonly AssistanceChannel[] AllChannels =
        [AssistanceChannel.InsuranceSubsidy, AssistanceChannel.Outpatient, AssistanceChannel.Inpatient, AssistanceChannel.Temporary, AssistanceChannel.Charity];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DailyTotals_DayWithSettlementsAndAReversal_EqualSumsOfWhatWasSettledAndReversed()
    {
        var day = new DateOnly(2026, 11, 10);
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);
        var settled = new List<SettlementResponse>
        {
            await SettleAsync(h001, At(day, 8, 30), patient => Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: day)),
            await SettleAsync(h001, At(day, 9, 15), patient => Requests.Inpatient(patient, 9_000.00m, 8_000.00m, 4_500.00m, dischargeDate: day.AddDays(-1))),
            await SettleAsync(h001, At(day, 11, 0), patient => Requests.Inpatient(patient, 5_000.00m, 4_000.00m, 2_000.00m, dischargeDate: day), DemoPolicy.ExtremePoverty),
            await SettleAsync(h001, At(day, 14, 45), patient => Requests.Outpatient(patient, 600.00m, 600.00m, 100.00m, visitDate: day)),
            await SettleAsync(h001, At(day, 16, 20), patient => Requests.Outpatient(patient, 350.00m, 300.00m, 50.00m, visitDate: day), DemoPolicy.ExtremePoverty),
        };
        var reversal = await ReverseAsync(h001, settled[1].SettlementId, At(day, 18, 0));

        // Not this hospital's day: its settlement the evening before, and another hospital's settlement that day.
        await SettleAsync(h001, At(day.AddDays(-1), 23, 0), patient => Requests.Inpatient(patient, 8_000.00m, 7_000.00m, 3_000.00m, dischargeDate: day.AddDays(-1)));
        await SettleAsync(h002, At(day, 10, 0), patient => Requests.Inpatient(patient, 8_000.00m, 7_000.00m, 3_000.00m, dischargeDate: day));

        var totals = await DailyAsync(h001, day);

        Assert.Equal("H001", totals.HospitalCode);
        Assert.Equal(day, totals.Date);
        var expectedSettlements = Totals(settled);
        var expectedReversals = ReversedTotals([reversal]);
        AssertTotals(expectedSettlements, totals.Settlements);
        AssertTotals(expectedReversals, totals.Reversals);
        AssertTotals(Minus(expectedSettlements, expectedReversals), totals.Net);
        Assert.All([totals.Settlements, totals.Reversals, totals.Net], movement => Assert.Equal(AllChannels, movement.Channels.Select(channel => channel.Channel)));
        Assert.Contains(totals.Settlements.Channels, channel => channel.Channel == AssistanceChannel.Outpatient && channel.Amount > 0);
        Assert.Contains(totals.Settlements.Channels, channel => channel.Channel == AssistanceChannel.Charity && channel.Amount > 0);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task DailyTotals_SettlementsEitherSideOfLocalMidnight_FallOnTheirShanghaiDay()
    {
        var day = new DateOnly(2026, 11, 12);
        using var h001 = App.Hospital();

        // 2026-11-12 00:00 in Shanghai is 2026-11-11T16:00Z; 2026-11-13 00:00 is 2026-11-12T16:00Z.
        var dayBefore = await SettleAsync(h001, new DateTimeOffset(2026, 11, 11, 15, 59, 59, TimeSpan.Zero),
            patient => Requests.Outpatient(patient, 400.00m, 400.00m, 100.00m, visitDate: day.AddDays(-1)));
        var firstInstant = await SettleAsync(h001, new DateTimeOffset(2026, 11, 11, 16, 0, 0, TimeSpan.Zero),
            patient => Requests.Outpatient(patient, 500.00m, 500.00m, 100.00m, visitDate: day));
        var lastSecond = await SettleAsync(h001, new DateTimeOffset(2026, 11, 12, 15, 59, 59, TimeSpan.Zero),
            patient => Requests.Inpatient(patient, 6_000.00m, 5_000.00m, 2_000.00m, dischargeDate: day));
        var nextDay = await SettleAsync(h001, new DateTimeOffset(2026, 11, 12, 16, 0, 0, TimeSpan.Zero),
            patient => Requests.Inpatient(patient, 7_000.00m, 6_000.00m, 2_000.00m, dischargeDate: day));

        AssertTotals(Totals([dayBefore]), (await DailyAsync(h001, day.AddDays(-1))).Settlements);
        AssertTotals(Totals([firstInstant, lastSecond]), (await DailyAsync(h001, day)).Settlements);
        AssertTotals(Totals([nextDay]), (await DailyAsync(h001, day.AddDays(1))).Settlements);
    }

    [Fact]
    public async Task DailyTotals_ReversalOnALaterDay_CountsOnTheDayItWasMade()
    {
        var settledOn = new DateOnly(2026, 11, 15);
        var reversedOn = new DateOnly(2026, 11, 17);
        using var h001 = App.Hospital();
        var settlement = await SettleAsync(h001, At(settledOn, 10, 0), patient => Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: settledOn));
        var reversal = await ReverseAsync(h001, settlement.SettlementId, At(reversedOn, 9, 0));

        var first = await DailyAsync(h001, settledOn);
        var later = await DailyAsync(h001, reversedOn);

        AssertTotals(Totals([settlement]), first.Settlements);
        AssertTotals(None, first.Reversals);
        AssertTotals(Totals([settlement]), first.Net);
        AssertTotals(None, later.Settlements);
        AssertTotals(ReversedTotals([reversal]), later.Reversals);
        AssertTotals(Minus(None, ReversedTotals([reversal])), later.Net);
        Assert.Equal(-1, later.Net.Count);
        Assert.Equal(-settlement.FundsSettled, later.Net.FundsSettled);
    }

    [Fact]
    public async Task ReconcileDaily_OurOwnTotals_AreMatched()
    {
        var day = new DateOnly(2026, 11, 19);
        using var h001 = App.Hospital();
        var settled = await SettleAsync(h001, At(day, 9, 0), patient => Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: day));
        await SettleAsync(h001, At(day, 10, 0), patient => Requests.Outpatient(patient, 600.00m, 600.00m, 100.00m, visitDate: day));
        await ReverseAsync(h001, settled.SettlementId, At(day, 11, 0));
        var ours = await DailyAsync(h001, day);

        var result = await ReconcileDailyAsync(h001, new HospitalDailyTotals { Date = day, Settlements = ours.Settlements, Reversals = ours.Reversals });

        Assert.Equal(ReconciliationStatus.Matched, result.Status);
        Assert.Empty(result.Differences);
        Assert.Equal(day, result.Date);
        AssertTotals(ours.Settlements, result.Ours.Settlements);
        AssertTotals(ours.Reversals, result.Ours.Reversals);
    }

    [Fact]
    public async Task ReconcileDaily_AlteredTotals_AreMismatchedWithExactlyTheDifferingFigures()
    {
        var day = new DateOnly(2026, 11, 21);
        using var h001 = App.Hospital();
        var first = await SettleAsync(h001, At(day, 9, 0), patient => Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: day));
        var second = await SettleAsync(h001, At(day, 10, 0), patient => Requests.Inpatient(patient, 5_000.00m, 4_000.00m, 2_000.00m, dischargeDate: day), DemoPolicy.ExtremePoverty);
        var reversal = await ReverseAsync(h001, second.SettlementId, At(day, 12, 0));
        var settlements = Totals([first, second]);
        var reversals = ReversedTotals([reversal]);
        var temporary = Amount(settlements, AssistanceChannel.Temporary);
        var charity = Amount(settlements, AssistanceChannel.Charity);
        Assert.True(temporary > 0 && charity > 0, "the test needs temporary and charity amounts to alter");

        // Their books: one settlement too many, 0.01 more charity, the temporary channel left out; a reversal short by 1.00.
        var theirs = new HospitalDailyTotals
        {
            Date = day,
            Settlements = settlements with
            {
                Count = settlements.Count + 1,
                Channels = settlements.Channels
                    .Where(channel => channel.Channel != AssistanceChannel.Temporary)
                    .Select(channel => channel.Channel == AssistanceChannel.Charity ? channel with { Amount = channel.Amount + 0.01m } : channel)
                    .ToArray(),
            },
            Reversals = reversals with { FundsSettled = reversals.FundsSettled - 1.00m },
        };

        var result = await ReconcileDailyAsync(h001, theirs);

        Assert.Equal(ReconciliationStatus.Mismatched, result.Status);
        Assert.Equal(
            [
                ("settlements.count", 2m, 3m),
                ("settlements.channels.temporary", temporary, 0m),
                ("settlements.channels.charity", charity, charity + 0.01m),
                ("reversals.fundsSettled", reversals.FundsSettled, reversals.FundsSettled - 1.00m),
            ],
            result.Differences.Select(difference => (difference.Field, difference.Ours, difference.Theirs)));
        AssertTotals(settlements, result.Ours.Settlements);
    }

    [Fact]
    public async Task ReconcileDetail_MissingAlteredInventedAndForeignItems_AreEachReportedAndNothingOfTheOtherHospitalIsRevealed()
    {
        var day = new DateOnly(2026, 11, 23);
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);
        var agreed = await SettleAsync(h001, At(day, 8, 0), patient => Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: day));
        var reversedLater = await SettleAsync(h001, At(day, 9, 0), patient => Requests.Outpatient(patient, 600.00m, 600.00m, 100.00m, visitDate: day));
        var altered = await SettleAsync(h001, At(day, 10, 0), patient => Requests.Inpatient(patient, 9_000.00m, 8_000.00m, 4_500.00m, dischargeDate: day));
        var forgotten = await SettleAsync(h001, At(day, 11, 0), patient => Requests.Outpatient(patient, 400.00m, 400.00m, 100.00m, visitDate: day));
        var otherDay = await SettleAsync(h001, At(day.AddDays(1), 9, 0), patient => Requests.Outpatient(patient, 300.00m, 300.00m, 0m, visitDate: day));
        var foreign = await SettleAsync(h002, At(day, 12, 0), patient => Requests.Inpatient(patient, 8_000.00m, 7_000.00m, 3_000.00m, dischargeDate: day));
        await ReverseAsync(h001, reversedLater.SettlementId, At(day.AddDays(2), 9, 0));
        var invented = Guid.CreateVersion7();

        var theirs = new List<DetailItem>
        {
            Item(agreed) with { VisitNumber = agreed.VisitNumber.ToLowerInvariant() },
            Item(reversedLater) with { Status = SettlementStatus.Reversed },
            Item(altered) with { PatientPays = altered.PatientPays + 1.00m },
            new() { SettlementId = invented, VisitNumber = "ZY-INVENTED-1", Status = SettlementStatus.Settled, FundsSettled = 10.00m, PatientPays = 5.00m },
            new() { SettlementId = foreign.SettlementId, VisitNumber = "ZY-GUESSED-2", Status = SettlementStatus.Settled, FundsSettled = 1.00m, PatientPays = 1.00m },
            Item(otherDay),
        };

        using var response = await h001.PostAsJsonAsync("/api/v1/reconciliation/detail", new DetailReconciliationRequest { Date = day, Items = theirs }, Cancel);

        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var result = JsonSerializer.Deserialize<DetailReconciliationResult>(body, JsonSerializerOptions.Web)!;
        Assert.Equal(ReconciliationStatus.Mismatched, result.Status);
        Assert.Equal(2, result.Matched);
        Assert.Equal(
            [
                (altered.SettlementId, DetailMatch.AmountsDiffer),
                (invented, DetailMatch.MissingOnOurSide),
                (foreign.SettlementId, DetailMatch.MissingOnOurSide),
                (otherDay.SettlementId, DetailMatch.MissingOnOurSide),
                (forgotten.SettlementId, DetailMatch.MissingOnTheirSide),
            ],
            result.Items.Select(item => (item.SettlementId, item.Match)));

        var differing = result.Items[0];
        Assert.Equal(Item(altered), differing.Ours);
        Assert.Equal(theirs[2], differing.Theirs);
        var missingHere = result.Items[4];
        Assert.Equal(Item(forgotten), missingHere.Ours);
        Assert.Null(missingHere.Theirs);
        Assert.Equal(forgotten.VisitNumber, missingHere.VisitNumber);
        Assert.All(result.Items.Where(item => item.Match == DetailMatch.MissingOnOurSide), item => Assert.Null(item.Ours));

        // The other hospital's settlement is answered exactly like an invented id: none of its data comes back.
        var foreignItem = result.Items[2];
        Assert.Equal("ZY-GUESSED-2", foreignItem.VisitNumber);
        Assert.Equal(theirs[4], foreignItem.Theirs);
        Assert.DoesNotContain(foreign.VisitNumber, body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(foreign.Beneficiary.Name, body, StringComparison.Ordinal);
        Assert.DoesNotContain(foreign.FundsSettled.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReconcileDetail_EveryItemAgreeing_IsMatched()
    {
        var day = new DateOnly(2026, 11, 25);
        using var h003 = App.Hospital(Keys.H003);
        var first = await SettleAsync(h003, At(day, 9, 0), patient => Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m, dischargeDate: day));
        var second = await SettleAsync(h003, At(day, 10, 0), patient => Requests.Outpatient(patient, 600.00m, 600.00m, 100.00m, visitDate: day));

        using var response = await h003.PostAsJsonAsync("/api/v1/reconciliation/detail",
            new DetailReconciliationRequest { Date = day, Items = [Item(second), Item(first)] }, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<DetailReconciliationResult>(Cancel))!;
        Assert.Equal(ReconciliationStatus.Matched, result.Status);
        Assert.Equal(2, result.Matched);
        Assert.Empty(result.Items);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?date=")]
    [InlineData("?date=2026-13-01")]
    [InlineData("?date=29/11/2026")]
    [InlineData("?date=2026-11-30")]
    public async Task DailyTotals_MissingMalformedOrFutureDate_Is400NamingTheDate(string query)
    {
        using var h001 = App.Hospital();

        using var response = await h001.GetAsync($"/api/v1/reconciliation/daily{query}", Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("date", out _), problem.ToString());
    }

    [Fact]
    public async Task DailyTotals_Today_IsAllowedAndTomorrowIsNotAtLocalMidnight()
    {
        using var h001 = App.Hospital();
        try
        {
            // 2026-11-30 00:00:30 in Shanghai, still 2026-11-29 in UTC: the 30th is today there.
            App.Clock.AdjustTime(new DateTimeOffset(2026, 11, 29, 16, 0, 30, TimeSpan.Zero));
            using var today = await h001.GetAsync("/api/v1/reconciliation/daily?date=2026-11-30", Cancel);
            using var tomorrow = await h001.GetAsync("/api/v1/reconciliation/daily?date=2026-12-01", Cancel);

            Assert.Equal(HttpStatusCode.OK, today.StatusCode);
            await SettlementTests.AssertProblemAsync(tomorrow, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        }
        finally
        {
            App.Clock.AdjustTime(MedicalAidApp.Now);
        }
    }

    [Fact]
    public async Task ReconcileDaily_FutureDateOrNegativeCount_Is400NamingTheField()
    {
        using var h001 = App.Hospital();
        var zero = None;

        using var future = await h001.PostAsJsonAsync("/api/v1/reconciliation/daily",
            new HospitalDailyTotals { Date = MedicalAidApp.Today.AddDays(1), Settlements = zero, Reversals = zero }, Cancel);
        using var negative = await h001.PostAsJsonAsync("/api/v1/reconciliation/daily",
            new HospitalDailyTotals { Date = MedicalAidApp.Today, Settlements = zero, Reversals = zero with { Count = -1 } }, Cancel);
        using var missingDate = await h001.PostAsync("/api/v1/reconciliation/daily",
            new StringContent("""{ "settlements": { "count": 0, "fundsSettled": 0, "channels": [] }, "reversals": { "count": 0, "fundsSettled": 0, "channels": [] } }""",
                Encoding.UTF8, "application/json"), Cancel);

        Assert.True((await SettlementTests.AssertProblemAsync(future, HttpStatusCode.BadRequest, ProblemTypes.Validation))
            .GetProperty("errors").TryGetProperty("date", out _));
        Assert.True((await SettlementTests.AssertProblemAsync(negative, HttpStatusCode.BadRequest, ProblemTypes.Validation))
            .GetProperty("errors").TryGetProperty("reversals.count", out _));
        Assert.True((await SettlementTests.AssertProblemAsync(missingDate, HttpStatusCode.BadRequest, ProblemTypes.Validation))
            .GetProperty("errors").TryGetProperty("date", out _));
    }

    [Fact]
    public async Task ReconcileDetail_DuplicateItem_Is400NamingTheRepeat()
    {
        using var h001 = App.Hospital();
        var item = new DetailItem { SettlementId = Guid.CreateVersion7(), VisitNumber = "ZY1", Status = SettlementStatus.Settled, FundsSettled = 1.00m, PatientPays = 1.00m };

        using var response = await h001.PostAsJsonAsync("/api/v1/reconciliation/detail",
            new DetailReconciliationRequest { Date = MedicalAidApp.Today, Items = [item, item with { VisitNumber = "ZY2" }] }, Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("items[1].settlementId", out _), problem.ToString());
    }

    [Theory]
    [InlineData("/api/v1/reconciliation/detail", """{ "date": "2026-11-28", "items": [null] }""", "items[0]")]
    [InlineData("/api/v1/reconciliation/daily",
        """{ "date": "2026-11-28", "settlements": { "count": 0, "fundsSettled": 0, "channels": [null] }, "reversals": { "count": 0, "fundsSettled": 0, "channels": [] } }""",
        "settlements.channels[0]")]
    public async Task Reconcile_WithANullListElement_Is400NotA500(string path, string body, string field)
    {
        using var h001 = App.Hospital();
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        using var response = await h001.PostAsync(path, content, Cancel);

        var problem = await SettlementTests.AssertProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task ReconcileDetail_ListOverTheItemLimit_Is400AndABodyOverFourMebibytesIs413()
    {
        using var h001 = App.Hospital();
        var items = Enumerable.Range(0, 10_001)
            .Select(index => new DetailItem { SettlementId = Guid.NewGuid(), VisitNumber = $"ZY{index}", Status = SettlementStatus.Settled, FundsSettled = 1.00m, PatientPays = 1.00m })
            .ToArray();
        var json = JsonSerializer.Serialize(new DetailReconciliationRequest { Date = MedicalAidApp.Today, Items = items }, JsonSerializerOptions.Web);
        Assert.True(json.Length > 64 * 1024, "the list must be larger than the default body limit");

        using var tooMany = await h001.PostAsync("/api/v1/reconciliation/detail", new StringContent(json, Encoding.UTF8, "application/json"), Cancel);
        using var tooLarge = await h001.PostAsync("/api/v1/reconciliation/detail",
            new StringContent(json + new string(' ', 4 * 1024 * 1024), Encoding.UTF8, "application/json"), Cancel);

        var problem = await SettlementTests.AssertProblemAsync(tooMany, HttpStatusCode.BadRequest, ProblemTypes.Validation);
        Assert.True(problem.GetProperty("errors").TryGetProperty("items", out _), problem.ToString());
        await SettlementTests.AssertProblemAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge, ProblemTypes.PayloadTooLarge);
    }

    [Fact]
    public async Task Reconciliation_WithoutAHospitalKey_IsRefused()
    {
        using var anonymous = App.CreateClient();
        using var staff = App.Staff("admin");

        using var noKey = await anonymous.GetAsync("/api/v1/reconciliation/daily?date=2026-11-28", Cancel);
        using var staffToken = await staff.GetAsync("/api/v1/reconciliation/daily?date=2026-11-28", Cancel);

        await SettlementTests.AssertProblemAsync(noKey, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        await SettlementTests.AssertProblemAsync(staffToken, HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
    }

    /// <summary>An instant at a local time in Shanghai.</summary>
    private static DateTimeOffset At(DateOnly day, int hour, int minute) =>
        new DateTimeOffset(day.ToDateTime(new TimeOnly(hour, minute)), Shanghai).ToUniversalTime();

    /// <summary>Runs <paramref name="work"/> with the clock at <paramref name="instant"/>, and puts the clock back.</summary>
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

    private async Task<SettlementResponse> SettleAsync(
        HttpClient client, DateTimeOffset at, Func<PatientIdentity, SettlementRequest> request, string category = DemoPolicy.MinimumLiving)
    {
        var patient = await App.NewBeneficiaryAsync(category);
        return await AtAsync(at, async () =>
        {
            using var response = await client.SettleAsync(request(patient));
            var body = await response.Content.ReadAsStringAsync(Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.Created, body);
            var settlement = JsonSerializer.Deserialize<SettlementResponse>(body, JsonSerializerOptions.Web)!;
            Assert.Equal(at, settlement.SettledAt);
            return settlement;
        });
    }

    private Task<ReversalResponse> ReverseAsync(HttpClient client, Guid settlementId, DateTimeOffset at) =>
        AtAsync(at, async () =>
        {
            using var response = await client.ReverseAsync(settlementId);
            var body = await response.Content.ReadAsStringAsync(Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.Created, body);
            return JsonSerializer.Deserialize<ReversalResponse>(body, JsonSerializerOptions.Web)!;
        });

    private static async Task<DailyTotals> DailyAsync(HttpClient client, DateOnly day)
    {
        using var response = await client.GetAsync($"/api/v1/reconciliation/daily?date={day:yyyy-MM-dd}", Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonSerializer.Deserialize<DailyTotals>(body, JsonSerializerOptions.Web)!;
    }

    private static async Task<DailyReconciliationResult> ReconcileDailyAsync(HttpClient client, HospitalDailyTotals theirs)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/reconciliation/daily", theirs, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonSerializer.Deserialize<DailyReconciliationResult>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>The hospital's record of a settlement, as it stands now.</summary>
    private static DetailItem Item(SettlementResponse settlement) => new()
    {
        SettlementId = settlement.SettlementId,
        VisitNumber = settlement.VisitNumber,
        Status = settlement.Status,
        FundsSettled = settlement.FundsSettled,
        PatientPays = settlement.PatientPays,
    };

    /// <summary>Totals computed here, independently of the API, from what its settlement answers said.</summary>
    private static MovementTotals Totals(List<SettlementResponse> settlements) => new()
    {
        Count = settlements.Count,
        FundsSettled = settlements.Sum(settlement => settlement.FundsSettled),
        Channels = AllChannels
            .Select(channel => new ChannelAmount { Channel = channel, Amount = settlements.Sum(settlement => settlement.Channels.Single(outcome => outcome.Channel == channel).Amount) })
            .ToArray(),
    };

    /// <summary>Totals computed from what the reversal answers said went back to each fund.</summary>
    private static MovementTotals ReversedTotals(List<ReversalResponse> reversals) => new()
    {
        Count = reversals.Count,
        FundsSettled = reversals.Sum(reversal => reversal.FundsRestored),
        Channels = AllChannels
            .Select(channel => new ChannelAmount { Channel = channel, Amount = reversals.Sum(reversal => reversal.Channels.Single(refund => refund.Channel == channel).Amount) })
            .ToArray(),
    };

    private static MovementTotals None => Totals([]);

    private static MovementTotals Minus(MovementTotals left, MovementTotals right) => new()
    {
        Count = left.Count - right.Count,
        FundsSettled = left.FundsSettled - right.FundsSettled,
        Channels = AllChannels
            .Select(channel => new ChannelAmount { Channel = channel, Amount = Amount(left, channel) - Amount(right, channel) })
            .ToArray(),
    };

    private static decimal Amount(MovementTotals totals, AssistanceChannel channel) =>
        totals.Channels.Single(candidate => candidate.Channel == channel).Amount;

    private static void AssertTotals(MovementTotals expected, MovementTotals actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected.FundsSettled, actual.FundsSettled);
        Assert.Equal(expected.Channels.Select(channel => (channel.Channel, channel.Amount)), actual.Channels.Select(channel => (channel.Channel, channel.Amount)));
    }
}
