using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Policies;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace MedicalAid.Api.Tests;

public sealed class SqliteSettlementTests(SqliteFixture fixture) : SettlementTests(fixture), IClassFixture<SqliteFixture>;

public sealed class PostgresSettlementTests(PostgresFixture fixture) : SettlementTests(fixture), IClassFixture<PostgresFixture>;

/// <summary>The hospital-facing settlement API over HTTP, on each real database.</summary>
public abstract class SettlementTests(ApiFixture fixture) : ApiTestBase(fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Settle_WorkedExampleOne_PaysEveryChannelToTheFen()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        using var h001 = App.Hospital(Keys.H001);

        using var response = await h001.SettleAsync(Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var settlement = await response.Content.ReadFromJsonAsync<SettlementResponse>(Cancel);
        Assert.NotNull(settlement);
        Assert.Equal(SettlementStatus.Settled, settlement.Status);
        Assert.Equal("H001", settlement.HospitalCode);
        Assert.Equal(DemoPolicy.MinimumLiving, settlement.Beneficiary.Category);
        Assert.Equal(ResidentIdNumber.Mask(patient.IdNumber), settlement.Beneficiary.IdNumberMasked);
        Assert.Equal(
            [(AssistanceChannel.InsuranceSubsidy, 200.00m), (AssistanceChannel.Outpatient, 0m), (AssistanceChannel.Inpatient, 6_000.00m),
             (AssistanceChannel.Temporary, 500.00m), (AssistanceChannel.Charity, 1_050.00m)],
            settlement.Channels.Select(channel => (channel.Channel, channel.Amount)));
        Assert.Contains("NOT_APPLICABLE_VISIT_TYPE", settlement.Channels[1].Reasons);
        Assert.Contains("CAP_REACHED", settlement.Channels[3].Reasons);
        Assert.Equal(7_550.00m, settlement.AssistanceTotal);
        Assert.Equal(7_750.00m, settlement.FundsSettled);
        Assert.Equal(2_450.00m, settlement.PatientPays);
        Assert.Equal(0.75m, settlement.Channels[2].Trace["ratio"]);
        Assert.Equal($"/api/v1/settlements/{settlement.SettlementId}", response.Headers.Location?.OriginalString);
        await App.AssertInvariantsAsync();
    }

    /// <summary>
    /// The settlement path commits only if its last command changed exactly the rows it counted: a fund that no longer
    /// covers its debit must change nothing and come up one row short, whatever else the command does.
    /// </summary>
    [Fact]
    public async Task ConditionalDebits_WhenOneFundNoLongerCoversItsDebit_LeaveThatFundAndComeUpOneRowShort()
    {
        await App.WithDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Cancel);
            var funds = await db.Funds.AsNoTracking().Where(fund => fund.Year == MedicalAidApp.Today.Year).OrderBy(fund => fund.Id).ToListAsync(Cancel);
            var temporary = funds.Single(fund => fund.Channel == Channel.Temporary);
            var charity = funds.Single(fund => fund.Channel == Channel.Charity);
            var debits = ChannelAmounts.Zero with { Temporary = new Money(temporary.Balance.Fen + 1), Charity = new Money(1) };

            var command = new RawSql();
            var counted = FundLedger.AppendDebitsIfCovered(command, funds, debits);
            var changed = await command.ExecuteAsync(db, Cancel);

            Assert.Equal(2, counted);
            Assert.Equal(1, changed);
            var after = await db.Funds.AsNoTracking().Where(fund => fund.Year == MedicalAidApp.Today.Year).ToDictionaryAsync(fund => fund.Id, fund => fund.Balance, Cancel);
            Assert.Equal(temporary.Balance, after[temporary.Id]);
            Assert.Equal(charity.Balance.Fen - 1, after[charity.Id].Fen);
            await transaction.RollbackAsync(Cancel);
        });
        await App.AssertInvariantsAsync();
    }

    /// <summary>
    /// The settlement path writes its rows with <see cref="RawSql"/> rather than SaveChanges: every column, converted
    /// and typed by EF Core's own mappings, must read back through EF Core as the value that was written.
    /// </summary>
    [Fact]
    public async Task RawWrites_OfASettlementALedgerEntryAndAUsageRow_ReadBackThroughEfCoreUnchanged()
    {
        await App.WithDbAsync(async db =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(Cancel);
            var hospital = await db.Hospitals.AsNoTracking().OrderBy(row => row.Id).FirstAsync(Cancel);
            var beneficiary = await db.Beneficiaries.AsNoTracking().OrderBy(row => row.Id).FirstAsync(Cancel);
            var policy = await db.PolicyVersions.AsNoTracking().OrderBy(row => row.Id).FirstAsync(Cancel);
            var fund = await db.Funds.AsNoTracking().OrderBy(row => row.Id).FirstAsync(Cancel);
            // Whole tenths of a millisecond: what SQLite's DateTimeOffset converter keeps, for EF Core's own writes as well.
            var settledAt = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1_234_000);
            var settlement = new Settlement
            {
                Id = Guid.CreateVersion7(settledAt),
                HospitalId = hospital.Id,
                HospitalCode = hospital.Code,
                IdempotencyKey = "raw-write-" + Guid.NewGuid(),
                VisitNumber = "RAW-" + Guid.NewGuid(),
                VisitType = MedicalAid.Engine.VisitType.Inpatient,
                BeneficiaryId = beneficiary.Id,
                IdNumber = beneficiary.IdNumber,
                BeneficiaryName = "张三 O'Brien",
                CategoryCode = "LOW_INCOME",
                ServiceDate = new DateOnly(2026, 3, 2),
                ServiceYear = 2026,
                AdmissionDate = new DateOnly(2026, 2, 27),
                DischargeDate = new DateOnly(2026, 3, 2),
                VisitDate = null,
                DiagnosisCodes = "I10,E11.9",
                PolicyVersionId = policy.Id,
                PolicyCode = policy.Code,
                Total = new Money(1_000_001),
                PolicyScope = new Money(900_002),
                BasicInsurancePaid = new Money(400_003),
                CriticalIllnessInsurancePaid = new Money(50_004),
                OtherInsurancePaid = new Money(5),
                InsuranceSubsidy = new Money(6),
                Outpatient = Money.Zero,
                Inpatient = new Money(200_007),
                Temporary = new Money(8),
                Charity = new Money(9),
                DeductibleApplied = new Money(10),
                AssistanceTotal = new Money(200_030),
                FundsSettled = new Money(200_030),
                PatientPays = new Money(349_964),
                ChannelDetails = """[{"channel":"inpatient","trace":{"ratio":0.6}}]""",
                Status = SettlementState.Settled,
                SettledAt = settledAt,
                ReversedAt = settledAt.AddDays(1),
            };
            var entry = new LedgerEntry
            {
                FundId = fund.Id,
                Channel = fund.Channel,
                Year = fund.Year,
                Kind = LedgerEntryKind.SettlementDebit,
                Amount = new Money(-12_345),
                SettlementId = settlement.Id,
                HospitalId = hospital.Id,
                BeneficiaryId = beneficiary.Id,
                Note = null,
                CreatedAt = settledAt,
            };
            var usage = new BeneficiaryYearUsage { BeneficiaryId = beneficiary.Id, Year = 2031 };
            var usageLater = new BeneficiaryYearUsage
            {
                BeneficiaryId = beneficiary.Id,
                Year = 2031,
                InsuranceSubsidy = new Money(1),
                OutpatientDeductible = new Money(2),
                InpatientDeductible = new Money(3),
                Outpatient = new Money(4),
                Inpatient = new Money(5),
                Temporary = new Money(6),
                Charity = new Money(7),
            };

            var command = new RawSql();
            command.AppendInsert(db, settlement);
            command.AppendInsert(db, entry);
            command.AppendInsert(db, usage);
            command.AppendUpdate(db, usageLater);
            Assert.Equal(4, await command.ExecuteAsync(db, Cancel));

            AssertSameColumns(db, settlement, await db.Settlements.AsNoTracking().SingleAsync(row => row.Id == settlement.Id, Cancel));
            var entryRead = await db.LedgerEntries.AsNoTracking().SingleAsync(row => row.SettlementId == settlement.Id, Cancel);
            Assert.True(entryRead.Id > 0, "The database numbers a ledger entry written without an id.");
            entry.Id = entryRead.Id;
            AssertSameColumns(db, entry, entryRead);
            AssertSameColumns(db, usageLater, await db.BeneficiaryYearUsages.AsNoTracking()
                .SingleAsync(row => row.BeneficiaryId == beneficiary.Id && row.Year == 2031, Cancel));
            await transaction.RollbackAsync(Cancel);
        });

        static void AssertSameColumns<TEntity>(MedicalAidDbContext db, TEntity written, TEntity read)
            where TEntity : class
        {
            foreach (var property in db.Model.FindEntityType(typeof(TEntity))!.GetProperties())
            {
                var getter = property.GetGetter();
                var (expected, actual) = (getter.GetClrValueUsingContainingEntity(written), getter.GetClrValueUsingContainingEntity(read));
                Assert.True(Equals(expected, actual), $"{typeof(TEntity).Name}.{property.Name}: wrote {expected}, read {actual}");
            }
        }
    }

    [Fact]
    public async Task Settle_WorkedExampleTwo_AppliesDeductibleAndTertiaryAdjustment()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.LowIncomeMarginal);
        using var h002 = App.Hospital(Keys.H002);

        // First stay uses 1,000.00 of the 4,000.00 deductible: O = 1,000.00, all of it deductible.
        using var first = await h002.SettleAsync(Requests.Inpatient(patient, 2_000.00m, 2_000.00m, 1_000.00m));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var firstSettlement = await first.Content.ReadFromJsonAsync<SettlementResponse>(Cancel);
        Assert.Equal(0m, firstSettlement!.Channels[2].Amount);
        Assert.Contains("DEDUCTIBLE_APPLIED", firstSettlement.Channels[2].Reasons);

        using var second = await h002.SettleAsync(Requests.Inpatient(patient, 9_000.00m, 8_000.00m, 4_500.00m));

        var settlement = await second.Content.ReadFromJsonAsync<SettlementResponse>(Cancel);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(3_000.00m, settlement!.Channels[2].Trace["deductibleApplied"]);
        Assert.Equal(0.60m, settlement.Channels[2].Trace["ratio"]);
        Assert.Equal(300.00m, settlement.Channels[2].Amount);
        Assert.Equal(500.00m, settlement.Channels[3].Amount);
        Assert.Equal(0m, settlement.Channels[4].Amount);
        Assert.Equal(["NOT_ELIGIBLE_CATEGORY"], settlement.Channels[4].Reasons);
        Assert.Equal(0m, settlement.Channels[0].Amount);
        Assert.Equal(3_700.00m, settlement.PatientPays);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Settle_RetriedSequentiallyWithSameKeyAndBody_ReplaysOriginalAndSettlesOnce()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.ExtremePoverty);
        using var h001 = App.Hospital();
        var request = Requests.Inpatient(patient, 5_000.00m, 4_000.00m, 2_000.00m);
        var key = Guid.NewGuid().ToString();

        using var original = await h001.SettleAsync(request, key);
        var originalBody = await original.Content.ReadAsStringAsync(Cancel);
        for (var retry = 0; retry < 3; retry++)
        {
            using var replay = await h001.SettleAsync(request, key);
            Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
            Assert.Equal("true", replay.Headers.GetValues(SettlementEndpoints.ReplayedHeader).Single());
            Assert.Equal(originalBody, await replay.Content.ReadAsStringAsync(Cancel));
        }

        Assert.False(original.Headers.Contains(SettlementEndpoints.ReplayedHeader));
        Assert.Single(await SettlementsOfVisitAsync(h001, request.VisitNumber));
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Settle_FiftyConcurrentRetriesWithOneKey_MakeOneSettlement()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        var request = Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(async _ =>
        {
            using var client = App.Hospital();
            using var response = await client.SettleAsync(request, key);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(Cancel));
        }));

        Assert.All(responses, response => Assert.True(response.StatusCode == HttpStatusCode.Created, $"{response.StatusCode}: {response.Body}"));
        Assert.Single(responses.Select(response => JsonSerializer.Deserialize<SettlementResponse>(response.Body, JsonSerializerOptions.Web)!.SettlementId).Distinct());
        using var h001 = App.Hospital();
        Assert.Single(await SettlementsOfVisitAsync(h001, request.VisitNumber));
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Settle_RetryFormattedDifferently_IsStillTheSameRequest()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.ExtremePoverty);
        using var h001 = App.Hospital();
        var visitNumber = Requests.NewVisitNumber("ZY");
        var key = Guid.NewGuid().ToString();
        string Body(string visit, string total, string codes) => $$"""
            { "visitNumber": "{{visit}}", "visitType": "inpatient",
              "patient": { "idNumber": "{{patient.IdNumber}}", "name": "{{patient.Name}}" },
              "admissionDate": "2026-11-20", "dischargeDate": "2026-11-28", {{codes}}
              "amounts": { "total": {{total}}, "policyScope": 3000.00, "basicInsurancePaid": 1000.00 } }
            """;

        using var original = await PostJsonAsync(h001, "/api/v1/settlements", Body(visitNumber, "4000.00", "\"diagnosisCodes\": [\"j18.9\"],"), key);
        using var retry = await PostJsonAsync(h001, "/api/v1/settlements", Body(" " + visitNumber.ToLowerInvariant(), "4000", "\"diagnosisCodes\": [\"J18.9\"],"), key);

        Assert.Equal(HttpStatusCode.Created, original.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.True(retry.Headers.Contains(SettlementEndpoints.ReplayedHeader));
        Assert.Equal(await original.Content.ReadAsStringAsync(Cancel), await retry.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Settle_VisitNumberInAnotherCase_IsTheSameVisit()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.HeroicAct);
        using var h001 = App.Hospital();
        var request = Requests.Inpatient(patient, 3_000.00m, 3_000.00m, 1_000.00m, visitNumber: "zy-case-" + Guid.NewGuid().ToString("N")[..8]);

        using var lower = await h001.SettleAsync(request);
        using var upper = await h001.SettleAsync(request with { VisitNumber = request.VisitNumber.ToUpperInvariant() });

        Assert.Equal(HttpStatusCode.Created, lower.StatusCode);
        Assert.Equal(request.VisitNumber.ToUpperInvariant(), (await lower.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!.VisitNumber);
        await AssertProblemAsync(upper, HttpStatusCode.Conflict, ProblemTypes.VisitAlreadySettled);
        Assert.Single(await SettlementsOfVisitAsync(h001, request.VisitNumber));
    }

    [Fact]
    public async Task Settle_SameKeyWithAnotherBody_Is422IdempotencyKeyReused()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.SpecialCare);
        using var h001 = App.Hospital();
        var request = Requests.Outpatient(patient, 300.00m, 300.00m, 100.00m);
        var key = Guid.NewGuid().ToString();
        using var original = await h001.SettleAsync(request, key);
        Assert.Equal(HttpStatusCode.Created, original.StatusCode);

        using var changed = await h001.SettleAsync(request with { Amounts = request.Amounts with { Total = 300.01m } }, key);

        await AssertProblemAsync(changed, HttpStatusCode.UnprocessableEntity, ProblemTypes.IdempotencyKeyReused);
        Assert.Single(await SettlementsOfVisitAsync(h001, request.VisitNumber));
    }

    [Fact]
    public async Task Settle_KeysAreScopedPerHospital()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.SpecialCare);
        var key = Guid.NewGuid().ToString();
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);

        using var first = await h001.SettleAsync(Requests.Outpatient(patient, 200.00m, 200.00m, 0m), key);
        using var second = await h002.SettleAsync(Requests.Outpatient(patient, 100.00m, 100.00m, 0m), key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.False(second.Headers.Contains(SettlementEndpoints.ReplayedHeader));
    }

    [Fact]
    public async Task Settle_SecondSettlementOfAnUnreversedVisit_Is409NamingTheExistingOne()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.HeroicAct);
        using var h001 = App.Hospital();
        var request = Requests.Inpatient(patient, 3_000.00m, 3_000.00m, 1_000.00m);
        using var first = await h001.SettleAsync(request);
        var existing = await first.Content.ReadFromJsonAsync<SettlementResponse>(Cancel);

        using var second = await h001.SettleAsync(request);

        var problem = await AssertProblemAsync(second, HttpStatusCode.Conflict, ProblemTypes.VisitAlreadySettled);
        Assert.Equal(existing!.SettlementId.ToString(), problem.GetProperty("settlementId").GetString());
        Assert.Single(await SettlementsOfVisitAsync(h001, request.VisitNumber));
    }

    [Fact]
    public async Task Reverse_RestoresEligibilityFiguresAndFundsExactly_AndTheVisitCanBeSettledAgain()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        using var h001 = App.Hospital();
        var before = await EligibilityAsync(h001, patient.IdNumber);
        var fundsBefore = await FundBalancesAsync(2026);
        var request = Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m);
        using var settled = await h001.SettleAsync(request);
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        Assert.NotEqual(before, await EligibilityAsync(h001, patient.IdNumber));

        using var reversed = await h001.ReverseAsync(settlement.SettlementId, reason: "录入错误");

        Assert.Equal(HttpStatusCode.Created, reversed.StatusCode);
        var reversal = (await reversed.Content.ReadFromJsonAsync<ReversalResponse>(Cancel))!;
        Assert.Equal(7_750.00m, reversal.FundsRestored);
        Assert.Equal("录入错误", reversal.Reason);
        Assert.Equal(before, await EligibilityAsync(h001, patient.IdNumber));
        Assert.Equal(fundsBefore, await FundBalancesAsync(2026));
        var afterReversal = await h001.GetFromJsonAsync<SettlementResponse>($"/api/v1/settlements/{settlement.SettlementId}", Cancel);
        Assert.Equal(SettlementStatus.Reversed, afterReversal!.Status);
        Assert.Equal(reversal.ReversalId, afterReversal.ReversalId);

        using var again = await h001.SettleAsync(request);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(2, (await SettlementsOfVisitAsync(h001, request.VisitNumber)).Count);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Reverse_Repeated_IsIdempotentAndCreditsOnce()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.Orphan);
        using var h001 = App.Hospital();
        using var settled = await h001.SettleAsync(Requests.Inpatient(patient, 6_000.00m, 6_000.00m, 3_000.00m));
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        var key = Guid.NewGuid().ToString();

        using var first = await h001.ReverseAsync(settlement.SettlementId, key);
        var fundsAfterFirst = await FundBalancesAsync(2026);
        using var replay = await h001.ReverseAsync(settlement.SettlementId, key);
        using var otherKey = await h001.ReverseAsync(settlement.SettlementId);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal("true", replay.Headers.GetValues(SettlementEndpoints.ReplayedHeader).Single());
        Assert.Equal(HttpStatusCode.OK, otherKey.StatusCode);
        var ids = new[] { first, replay, otherKey }.Select(response => response.Content.ReadFromJsonAsync<ReversalResponse>(Cancel).Result!.ReversalId);
        Assert.Single(ids.Distinct());
        Assert.Equal(fundsAfterFirst, await FundBalancesAsync(2026));
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Reverse_ConcurrentReversalsOfOneSettlement_CreditOnce()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.ExtremePoverty);
        using var h001 = App.Hospital();
        using var settled = await h001.SettleAsync(Requests.Inpatient(patient, 8_000.00m, 8_000.00m, 4_000.00m));
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;

        var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            using var client = App.Hospital();
            using var response = await client.ReverseAsync(settlement.SettlementId);
            return response.StatusCode;
        }));

        Assert.Single(statuses, HttpStatusCode.Created);
        Assert.Equal(9, statuses.Count(status => status == HttpStatusCode.OK));
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task ReverseByRequest_AfterTheOriginal_ReversesWhatTheKeySettled()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        using var h001 = App.Hospital();
        var key = Guid.NewGuid().ToString();
        using var settled = await h001.SettleAsync(Requests.Outpatient(patient, 1_000.00m, 800.00m, 300.00m), key);
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;

        using var response = await h001.PostAsJsonAsync("/api/v1/settlements/reversal-by-request", new ReversalByRequest { OriginalIdempotencyKey = key }, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<ReversalByRequestResponse>(Cancel))!;
        Assert.Equal(ReversalByRequestOutcome.Reversed, result.Outcome);
        Assert.Equal(settlement.SettlementId, result.Reversal!.SettlementId);
        var now = await h001.GetFromJsonAsync<SettlementResponse>($"/api/v1/settlements/{settlement.SettlementId}", Cancel);
        Assert.Equal(SettlementStatus.Reversed, now!.Status);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task ReverseByRequest_BeforeTheOriginalArrives_VoidsTheKeyAndTheLateOriginalIs409()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        using var h001 = App.Hospital();
        var key = Guid.NewGuid().ToString();

        using var voiding = await h001.PostAsJsonAsync("/api/v1/settlements/reversal-by-request", new ReversalByRequest { OriginalIdempotencyKey = key }, Cancel);
        using var voidingAgain = await h001.PostAsJsonAsync("/api/v1/settlements/reversal-by-request", new ReversalByRequest { OriginalIdempotencyKey = key }, Cancel);
        var request = Requests.Inpatient(patient, 20_000.00m, 18_000.00m, 10_000.00m);
        using var late = await h001.SettleAsync(request, key);

        Assert.Equal(ReversalByRequestOutcome.Voided, (await voiding.Content.ReadFromJsonAsync<ReversalByRequestResponse>(Cancel))!.Outcome);
        Assert.Equal(ReversalByRequestOutcome.Voided, (await voidingAgain.Content.ReadFromJsonAsync<ReversalByRequestResponse>(Cancel))!.Outcome);
        await AssertProblemAsync(late, HttpStatusCode.Conflict, ProblemTypes.RequestVoided);
        Assert.Empty(await SettlementsOfVisitAsync(h001, request.VisitNumber));
        using var withNewKey = await h001.SettleAsync(request);
        Assert.Equal(HttpStatusCode.Created, withNewKey.StatusCode);
        await App.AssertInvariantsAsync();
    }

    [Fact]
    public async Task Preview_CalculatesLikeSettlement_AndRecordsNothing()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.IllnessPoverty);
        using var h003 = App.Hospital(Keys.H003);
        var request = Requests.Inpatient(patient, 50_000.00m, 45_000.00m, 25_000.00m);
        var settlementsBefore = await App.CountAsync<Settlement>();
        var fundsBefore = await FundBalancesAsync(2026);

        using var preview = await h003.PostAsJsonAsync("/api/v1/settlements/preview", request, Cancel);

        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        var calculation = (await preview.Content.ReadFromJsonAsync<SettlementCalculation>(Cancel))!;
        Assert.Equal(settlementsBefore, await App.CountAsync<Settlement>());
        Assert.Equal(fundsBefore, await FundBalancesAsync(2026));

        // Illness-poverty at a primary hospital: O = 20,000.00, deductible 10,000.00, 60% + 5 points of 10,000.00.
        Assert.Equal(6_500.00m, calculation.Channels[2].Amount);
        using var settled = await h003.SettleAsync(request);
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;
        Assert.Equal(calculation.Channels.Select(channel => channel.Amount), settlement.Channels.Select(channel => channel.Amount));
        Assert.Equal(calculation.PatientPays, settlement.PatientPays);
    }

    [Fact]
    public async Task GetById_AnotherHospitalsSettlement_Is404AndFindByVisitShowsOnlyOwn()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.SpecialCare);
        using var h001 = App.Hospital(Keys.H001);
        using var h002 = App.Hospital(Keys.H002);
        var request = Requests.Outpatient(patient, 500.00m, 500.00m, 200.00m);
        using var settled = await h001.SettleAsync(request);
        var settlement = (await settled.Content.ReadFromJsonAsync<SettlementResponse>(Cancel))!;

        using var foreign = await h002.GetAsync($"/api/v1/settlements/{settlement.SettlementId}", Cancel);
        using var foreignReversal = await h002.ReverseAsync(settlement.SettlementId);

        await AssertProblemAsync(foreign, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        await AssertProblemAsync(foreignReversal, HttpStatusCode.NotFound, ProblemTypes.NotFound);
        Assert.Empty(await SettlementsOfVisitAsync(h002, request.VisitNumber));
        Assert.Single(await SettlementsOfVisitAsync(h001, request.VisitNumber));
    }

    [Fact]
    public async Task Eligibility_ShowsCategoryUsageAndWhatRemains()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        using var h001 = App.Hospital();
        using var settled = await h001.SettleAsync(Requests.Outpatient(patient, 1_000.00m, 1_000.00m, 0m));
        Assert.Equal(HttpStatusCode.Created, settled.StatusCode);

        var eligibility = await EligibilityAsync(h001, patient.IdNumber);

        Assert.True(eligibility.Eligible);
        Assert.Equal(DemoPolicy.MinimumLiving, eligibility.Category);
        Assert.Equal("低保对象", eligibility.CategoryName);
        Assert.True(eligibility.InsuranceSubsidyPaid);
        Assert.Equal(700.00m, eligibility.Outpatient!.AnnualCap.Used);
        Assert.Equal(3_300.00m, eligibility.Outpatient.AnnualCap.Remaining);
        Assert.Equal(79_300.00m, eligibility.SharedAnnualCap!.Remaining);
    }

    [Fact]
    public async Task BeneficiaryLookup_IsOneCommand_AndReadsAPolicyDocumentOnlyTheFirstTime()
    {
        var patient = await App.NewBeneficiaryAsync(DemoPolicy.MinimumLiving);
        var commands = new CommandCounter();
        await using var db = NewContext(commands);
        var eligibility = new BeneficiaryEligibility(db, new PolicyCatalog(db, new ParsedPolicyCache()));

        var first = await eligibility.FindAsync(patient.IdNumber, new DateOnly(2026, 6, 1), Cancel);
        var afterFirst = commands.Count;
        var second = await eligibility.FindAsync(patient.IdNumber, new DateOnly(2026, 6, 2), Cancel);

        Assert.Equal((2, 3), (afterFirst, commands.Count));
        Assert.Equal((DemoPolicy.MinimumLiving, "demo"), (first!.Status!.CategoryCode, first.Policy!.Code));
        Assert.Same(first.Policy, second!.Policy);
    }

    /// <summary>A context of its own on the fixture's database, so that only this test's commands are counted.</summary>
    private MedicalAidDbContext NewContext(CommandCounter commands)
    {
        var connectionString = App.Database.ConnectionString;
        if (App.Database.Provider == DatabaseProvider.Sqlite)
        {
            var sqlite = new DbContextOptionsBuilder<SqliteMedicalAidDbContext>();
            DatabaseSetup.UseSqlite(sqlite, connectionString);
            return new SqliteMedicalAidDbContext(sqlite.AddInterceptors(commands).Options);
        }

        var postgres = new DbContextOptionsBuilder<PostgresMedicalAidDbContext>();
        DatabaseSetup.UsePostgres(postgres, connectionString);
        return new PostgresMedicalAidDbContext(postgres.AddInterceptors(commands).Options);
    }

    private sealed class CommandCounter : DbCommandInterceptor
    {
        private int count;

        public int Count => count;

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command,
            CommandEventData eventData,
            InterceptionResult<DbDataReader> result,
            CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref count);
            return ValueTask.FromResult(result);
        }
    }

    [Fact]
    public async Task Eligibility_DemoBeneficiary_IsActiveWithTheDemoPolicy()
    {
        using var h002 = App.Hospital(Keys.H002);

        var eligibility = await EligibilityAsync(h002, "14010919550312001X");

        Assert.True(eligibility.Active);
        Assert.Equal(DemoPolicy.ExtremePoverty, eligibility.Category);
        Assert.Equal("demo", eligibility.PolicyVersion);
        Assert.Equal("王建国", eligibility.Name);
    }

    [Fact]
    public async Task Eligibility_UnknownPerson_Is404()
    {
        using var h001 = App.Hospital();
        using var response = await h001.GetAsync("/api/v1/eligibility/110101199003070011", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    public async Task AnyHospitalEndpoint_WithoutAValidKey_Is401ProblemJson(string? apiKey)
    {
        using var client = App.CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        using var response = await client.GetAsync("/api/v1/eligibility/140109196208150026", Cancel);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
    }

    private static async Task<EligibilityResponse> EligibilityAsync(HttpClient client, string idNumber) =>
        (await client.GetFromJsonAsync<EligibilityResponse>($"/api/v1/eligibility/{idNumber}", Cancel))!;

    private async Task<Dictionary<Channel, Money>> FundBalancesAsync(int year) =>
        await App.WithDbAsync(async db => await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToDictionaryAsync(
            db.Funds.Where(fund => fund.Year == year), fund => fund.Channel, fund => fund.Balance));

    private static async Task<IReadOnlyList<SettlementResponse>> SettlementsOfVisitAsync(HttpClient client, string visitNumber) =>
        (await client.GetFromJsonAsync<List<SettlementResponse>>($"/api/v1/settlements?visitNumber={Uri.EscapeDataString(visitNumber)}", Cancel))!;

    private static async Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string path, string json, string idempotencyKey)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        message.Headers.Add("Idempotency-Key", idempotencyKey);
        return await client.SendAsync(message, Cancel);
    }

    internal static async Task<System.Text.Json.JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(status == response.StatusCode, $"Expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = System.Text.Json.JsonDocument.Parse(body).RootElement;
        Assert.Equal(type, problem.GetProperty("type").GetString());
        return problem;
    }
}
