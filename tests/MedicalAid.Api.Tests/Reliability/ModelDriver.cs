using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Tests.Infrastructure;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using EngineVisitType = MedicalAid.Engine.VisitType;

namespace MedicalAid.Api.Tests.Reliability;

/// <summary>
/// Runs one <see cref="ModelScenario"/> through the HTTP API and the <see cref="SettlementModel"/> side by side. After
/// every step it checks the answer (status, problem type, amounts, replay header and body) against the model, the
/// database invariants, and that the balances and usages the API reports equal the model's.
/// </summary>
public sealed class ModelDriver : IDisposable
{
    private static readonly int[] YearsInScenario = [2025, 2026];

    private readonly MedicalAidApp app;
    private readonly HttpClient[] hospitals;
    private HttpClient admin = null!;
    private HttpClient auditor = null!;

    private SettlementModel model = null!;
    private PatientIdentity[] patients = [];
    private long[] beneficiaryIds = [];
    private string runId = "";
    private int nextKey;
    private int registered;

    public ModelDriver(MedicalAidApp app)
    {
        this.app = app;
        hospitals = [.. Enumerable.Range(0, ModelHospitals.Count).Select(hospital => app.Hospital(ModelHospitals.ApiKey(hospital)))];
    }

    public int Steps { get; private set; }

    public int Runs { get; private set; }

    /// <summary>How often each kind of answer and edge came up, to show that the runs reach them.</summary>
    public SortedDictionary<string, int> Outcomes { get; } = new(StringComparer.Ordinal);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async Task RunAsync(ModelScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        Runs++;
        await SetUpAsync(scenario);
        for (var index = 0; index < scenario.Steps.Length; index++)
        {
            var step = scenario.Steps[index];
            try
            {
                await ApplyAsync(step);
                await CheckAgreementAsync();
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                throw new ModelDisagreementException($"Step {index + 1} ({step}) disagrees with the model: {exception.Message}", exception);
            }

            Steps++;
        }

        await CheckAgreementAsync(everyUsage: true);
        await CheckSettlementsAsStaffSeeThemAsync();
        await app.AssertInvariantsAsync();
    }

    public void Dispose()
    {
        foreach (var client in hospitals)
        {
            client.Dispose();
        }

        admin?.Dispose();
        auditor?.Dispose();
    }

    /// <summary>
    /// A known starting point in the shared database: everyone registered before this run has had this year's premium
    /// subsidy (so a subsidy run pays only this run's patients), three new patients, and the funds set to the scenario's.
    /// </summary>
    private async Task SetUpAsync(ModelScenario scenario)
    {
        runId = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();

        // Staff tokens live an hour; a full run takes longer, so each sequence signs in afresh.
        admin?.Dispose();
        auditor?.Dispose();
        admin = app.Staff("admin", "模型管理员");
        auditor = app.Staff("auditor", "模型审计员");
        nextKey = 0;
        var othersEligible = new Dictionary<int, int>();
        var plenty = new ChannelAmounts(Money.FromYuan(100_000_000), Money.Zero, Money.Zero, Money.Zero, Money.Zero);
        await SetFundsAsync(YearsInScenario.ToDictionary(year => year, _ => plenty));
        foreach (var year in YearsInScenario)
        {
            var run = await RunSubsidyAsync(year);
            Assert.Equal(0, run.UnpaidFundExhausted);
            othersEligible[year] = run.Persons + run.AlreadyPaid;
        }

        patients = new PatientIdentity[scenario.Categories.Length];
        beneficiaryIds = new long[scenario.Categories.Length];
        for (var patient = 0; patient < patients.Length; patient++)
        {
            (patients[patient], beneficiaryIds[patient]) = await RegisterPatientAsync(scenario.Categories[patient]);
        }

        var funds = new Dictionary<int, ChannelAmounts> { [2025] = scenario.Funds2025, [2026] = scenario.Funds2026 };
        await SetFundsAsync(funds);

        model = new SettlementModel(scenario.Categories, funds, othersEligible);
    }

    /// <summary>
    /// Registers a new patient through the staff API, active since 2020 in <paramref name="category"/>: a distinct ID
    /// number for every patient of any number of runs (birth date and sequence number count up together).
    /// </summary>
    private async Task<(PatientIdentity Patient, long Id)> RegisterPatientAsync(string category)
    {
        var number = registered++;
        var first17 = string.Create(CultureInfo.InvariantCulture, $"110105{new DateOnly(1950, 1, 1).AddDays(number / 1000):yyyyMMdd}{number % 1000:D3}");
        var patient = new PatientIdentity { IdNumber = first17 + ResidentIdNumber.ComputeCheckCharacter(first17), Name = $"模型{number}" };
        using var response = await admin.PostAsJsonAsync("/api/v1/admin/beneficiaries", new CreateBeneficiaryRequest
        {
            IdNumber = patient.IdNumber,
            Name = patient.Name,
            Category = category,
            EffectiveFrom = new DateOnly(2020, 1, 1),
        }, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Registering a patient: expected 201, got {(int)response.StatusCode}: {body}");
        return (patient, JsonSerializer.Deserialize<BeneficiaryDetail>(body, JsonSerializerOptions.Web)!.Id);
    }

    /// <summary>Moves every fund of the given years to the given balance through a ledger entry each, in one transaction (test set-up, as staff adjustments would).</summary>
    private Task SetFundsAsync(IReadOnlyDictionary<int, ChannelAmounts> balances) =>
        app.WithDbAsync(async db =>
        {
            var years = balances.Keys.ToArray();
            foreach (var fund in await db.Funds.Where(fund => years.Contains(fund.Year)).ToListAsync(Cancel))
            {
                var target = balances[fund.Year][fund.Channel];
                db.LedgerEntries.Add(new Funds.LedgerEntry
                {
                    FundId = fund.Id,
                    Channel = fund.Channel,
                    Year = fund.Year,
                    Kind = Funds.LedgerEntryKind.TopUp,
                    Amount = target - fund.Balance,
                    Note = "model run set-up",
                    CreatedAt = MedicalAidApp.Now,
                });
                fund.Balance = target;
            }

            await db.SaveChangesAsync(Cancel);
        });

    private Task ApplyAsync(ModelStep step) => step switch
    {
        Settle settle => SettleAsync(settle),
        RetrySettle retry => model.SettleAttempts.Count == 0 ? Task.CompletedTask : SendSettlementAsync(Pick(model.SettleAttempts, retry.Attempt), retry.Reformatted),
        RetrySettleChanged changed => RetryChangedAsync(changed),
        Preview preview => PreviewAsync(preview),
        Reverse reverse => ReverseAsync(reverse),
        RetryReverse retry => model.ReverseAttempts.Count == 0 ? Task.CompletedTask : SendReversalAsync(Pick(model.ReverseAttempts, retry.Attempt)),
        ReverseByRequest byRequest => ReverseByRequestAsync(byRequest),
        TopUp topUp => TopUpAsync(topUp),
        SubsidyRun run => SubsidyRunAsync(run),
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, "Unknown step."),
    };

    private Task SettleAsync(Settle step)
    {
        var (hospital, key) = (step.Hospital, NewKey());
        if (step.Key == KeyChoice.Voided && model.VoidedKeys.Count > 0)
        {
            (hospital, key) = Pick(model.VoidedKeys, step.KeyIndex);
        }
        else if (step.Key == KeyChoice.ReversalKey && model.ReverseAttempts.Count > 0)
        {
            var reversal = Pick(model.ReverseAttempts, step.KeyIndex);
            (hospital, key) = (reversal.Hospital, reversal.Key);
        }

        var visit = new ModelVisit(hospital, step.Patient, VisitNumber(hospital, step.Visit), step.Type, ServiceDate(step.Year, step.Day), step.Bill.ToBill(), step.WrongName);
        var attempt = new SettleAttempt(hospital, key, visit);
        model.SettleAttempts.Add(attempt);
        return SendSettlementAsync(attempt, reformatted: false);
    }

    private Task RetryChangedAsync(RetrySettleChanged step)
    {
        if (model.SettleAttempts.Count == 0)
        {
            return Task.CompletedTask;
        }

        var original = Pick(model.SettleAttempts, step.Attempt);
        var bill = original.Visit.Bill;
        var changed = original with { Visit = original.Visit with { Bill = bill with { Total = bill.Total + Money.FromYuan(1) } } };
        model.SettleAttempts.Add(changed);
        return SendSettlementAsync(changed, reformatted: false);
    }

    /// <summary>Sends a settlement request and checks the answer against what the model says the service must do with it.</summary>
    private async Task SendSettlementAsync(SettleAttempt attempt, bool reformatted)
    {
        var visit = attempt.Visit;
        using var message = new HttpRequestMessage(HttpMethod.Post, "/api/v1/settlements") { Content = JsonContent.Create(ToRequest(visit, reformatted)) };
        message.Headers.Add(SettlementEndpoints.IdempotencyKeyHeader, attempt.Key);
        using var response = await hospitals[attempt.Hospital].SendAsync(message, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        var replayed = response.Headers.Contains(SettlementEndpoints.ReplayedHeader);

        if (model.Keys.TryGetValue((attempt.Hospital, attempt.Key), out var record))
        {
            if (record.Use == KeyUse.Voided)
            {
                Tally("settle: late original refused (key voided)");
                AssertProblem(response, body, HttpStatusCode.Conflict, ProblemTypes.RequestVoided);
            }
            else if (record.Use != KeyUse.Settlement || record.Request != visit.Canonical)
            {
                Tally("settle: key reused for another request");
                AssertProblem(response, body, HttpStatusCode.UnprocessableEntity, ProblemTypes.IdempotencyKeyReused);
            }
            else
            {
                Tally("settle: replayed");
                Assert.Equal(record.Status, (int)response.StatusCode);
                Assert.True(replayed, "A retry with the same key and body must say Idempotent-Replayed.");
                Assert.Equal(record.Body, body);
            }

            return;
        }

        Assert.False(replayed, $"Nothing was recorded under this key, yet the answer ({(int)response.StatusCode}) says it is a replay.");
        if (visit.WrongName)
        {
            Tally("settle: identity mismatch");
            AssertProblem(response, body, HttpStatusCode.UnprocessableEntity, ProblemTypes.IdentityMismatch);
            return;
        }

        if (model.UnreversedSettlementOf(visit.Hospital, visit.NormalizedVisitNumber) is { } existing)
        {
            Tally("settle: visit already settled");
            var problem = AssertProblem(response, body, HttpStatusCode.Conflict, ProblemTypes.VisitAlreadySettled);
            Assert.Equal(existing.Id, problem.GetProperty("settlementId").GetGuid());
            return;
        }

        var expected = model.Calculate(visit);
        Tally("settle: settled");
        TallyReasons(expected);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Expected 201, got {(int)response.StatusCode}: {body}");
        var settlement = JsonSerializer.Deserialize<SettlementResponse>(body, JsonSerializerOptions.Web)!;
        Assert.Equal(SettlementStatus.Settled, settlement.Status);
        AssertCalculation(visit, expected, settlement);
        model.RecordSettlement(settlement.SettlementId, attempt, expected);
        model.Keys[(attempt.Hospital, attempt.Key)] = new KeyRecord(KeyUse.Settlement, visit.Canonical, 201, body);
    }

    private async Task PreviewAsync(Preview step)
    {
        var visit = new ModelVisit(step.Hospital, step.Patient, $"{runId}-PREVIEW", step.Type, ServiceDate(step.Year, step.Day), step.Bill.ToBill(), WrongName: false);
        using var response = await hospitals[step.Hospital].PostAsJsonAsync("/api/v1/settlements/preview", ToRequest(visit, reformatted: false), Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        Tally("preview");
        AssertCalculation(visit, model.Calculate(visit), JsonSerializer.Deserialize<SettlementCalculation>(body, JsonSerializerOptions.Web)!);
    }

    private Task ReverseAsync(Reverse step)
    {
        if (model.Settlements.Count == 0)
        {
            var nothing = new ReverseAttempt(0, NewKey(), Guid.CreateVersion7(), null);
            model.ReverseAttempts.Add(nothing);
            return SendReversalAsync(nothing);
        }

        var settlement = Pick(model.Settlements, step.Settlement);
        var hospital = step.OtherHospital ? (settlement.Hospital + 1) % ModelHospitals.Count : settlement.Hospital;
        var key = NewKey();
        var keysOfHospital = model.SettleAttempts.Where(attempt => attempt.Hospital == hospital).Select(attempt => attempt.Key).ToList();
        if (step.SettlementKey && keysOfHospital.Count > 0)
        {
            key = Pick(keysOfHospital, step.KeyIndex);
        }

        var attempt = new ReverseAttempt(hospital, key, settlement.Id, step.WithReason ? $"录入错误 {key}" : null);
        model.ReverseAttempts.Add(attempt);
        return SendReversalAsync(attempt);
    }

    private async Task SendReversalAsync(ReverseAttempt attempt)
    {
        using var response = await hospitals[attempt.Hospital].ReverseAsync(attempt.SettlementId, attempt.Key, attempt.Reason);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        var replayed = response.Headers.Contains(SettlementEndpoints.ReplayedHeader);
        var request = $"{attempt.SettlementId}|{attempt.Reason}";

        if (model.Keys.TryGetValue((attempt.Hospital, attempt.Key), out var record))
        {
            if (record.Use == KeyUse.Voided)
            {
                Tally("reverse: key voided");
                AssertProblem(response, body, HttpStatusCode.Conflict, ProblemTypes.RequestVoided);
            }
            else if (record.Use != KeyUse.Reversal || record.Request != request)
            {
                Tally("reverse: key reused for another request");
                AssertProblem(response, body, HttpStatusCode.UnprocessableEntity, ProblemTypes.IdempotencyKeyReused);
            }
            else
            {
                Tally("reverse: replayed");
                Assert.Equal(record.Status, (int)response.StatusCode);
                Assert.True(replayed, "A retried reversal must say Idempotent-Replayed.");
                Assert.Equal(record.Body, body);
            }

            return;
        }

        Assert.False(replayed, "Nothing was recorded under this key, yet the answer says it is a replay.");
        var target = model.Settlements.FirstOrDefault(settlement => settlement.Id == attempt.SettlementId && settlement.Hospital == attempt.Hospital);
        if (target is null)
        {
            Tally("reverse: not this hospital's (404)");
            AssertProblem(response, body, HttpStatusCode.NotFound, ProblemTypes.NotFound);
            return;
        }

        var expectedStatus = target.IsReversed ? HttpStatusCode.OK : HttpStatusCode.Created;
        Tally(target.IsReversed ? "reverse: already reversed (200)" : "reverse: reversed (201)");
        Assert.True(response.StatusCode == expectedStatus, $"Expected {(int)expectedStatus}, got {(int)response.StatusCode}: {body}");
        var reversal = JsonSerializer.Deserialize<ReversalResponse>(body, JsonSerializerOptions.Web)!;
        if (!target.IsReversed)
        {
            model.RecordReversal(target, reversal.ReversalId, attempt.Reason);
        }

        AssertReversal(target, reversal);
        model.Keys[(attempt.Hospital, attempt.Key)] = new KeyRecord(KeyUse.Reversal, request, (int)expectedStatus, body);
    }

    private async Task ReverseByRequestAsync(ReverseByRequest step)
    {
        var (hospital, key) = (step.Hospital, NewKey());
        if (step.Target == ReversalByRequestTarget.SettlementAttemptKey && model.SettleAttempts.Count > 0)
        {
            var attempt = Pick(model.SettleAttempts, step.Index);
            (hospital, key) = (attempt.Hospital, attempt.Key);
        }
        else if (step.Target == ReversalByRequestTarget.ReversalKey && model.ReverseAttempts.Count > 0)
        {
            var attempt = Pick(model.ReverseAttempts, step.Index);
            (hospital, key) = (attempt.Hospital, attempt.Key);
        }

        var reason = $"冲正 {key}";
        using var response = await hospitals[hospital].PostAsJsonAsync(
            "/api/v1/settlements/reversal-by-request", new Contracts.ReversalByRequest { OriginalIdempotencyKey = key, Reason = reason }, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        model.Keys.TryGetValue((hospital, key), out var record);
        if (record?.Use == KeyUse.Reversal)
        {
            Tally("reversal by request: a reversal's key (422)");
            AssertProblem(response, body, HttpStatusCode.UnprocessableEntity, ProblemTypes.IdempotencyKeyReused);
            return;
        }

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        var answer = JsonSerializer.Deserialize<ReversalByRequestResponse>(body, JsonSerializerOptions.Web)!;
        Assert.Equal(key, answer.OriginalIdempotencyKey);
        if (record is null || record.Use == KeyUse.Voided)
        {
            Tally("reversal by request: voided");
            Assert.Equal(ReversalByRequestOutcome.Voided, answer.Outcome);
            Assert.Null(answer.Reversal);
            if (record is null)
            {
                model.Keys[(hospital, key)] = new KeyRecord(KeyUse.Voided, "", 409, "");
                model.VoidedKeys.Add((hospital, key));
            }

            return;
        }

        var target = model.Settlements.Single(settlement => settlement.Hospital == hospital && settlement.Attempt.Key == key);
        Tally("reversal by request: reversed");
        Assert.Equal(ReversalByRequestOutcome.Reversed, answer.Outcome);
        Assert.NotNull(answer.Reversal);
        if (!target.IsReversed)
        {
            model.RecordReversal(target, answer.Reversal.ReversalId, reason);
        }

        AssertReversal(target, answer.Reversal);
    }

    private async Task TopUpAsync(TopUp step)
    {
        var year = SettlementModel.FirstYear + step.Year;
        var amount = new Money(step.Fen);
        using var response = await admin.PostAsJsonAsync(
            $"/api/v1/admin/funds/{year}/{WireName(step.Channel)}/top-ups", new TopUpRequest { Amount = amount.ToYuan(), Reason = $"模型追加 {runId}" }, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Expected 200, got {(int)response.StatusCode}: {body}");
        Tally("top-up");
        model.Funds[year] += ChannelAmounts.Zero.With(step.Channel, amount);
        var balance = JsonSerializer.Deserialize<FundBalanceResponse>(body, JsonSerializerOptions.Web)!;
        Assert.Equal(model.Funds[year][step.Channel].ToYuan(), balance.Balance);
    }

    private async Task SubsidyRunAsync(SubsidyRun step)
    {
        var year = SettlementModel.FirstYear + step.Year;
        var answer = await RunSubsidyAsync(year);
        var (persons, total, alreadyPaid, unpaid) = model.RunSubsidy(year);
        Tally(unpaid > 0 ? "subsidy run: fund ran out" : persons > 0 ? "subsidy run: paid someone" : "subsidy run: nobody to pay");
        Assert.Equal((persons, total.ToYuan(), alreadyPaid, unpaid, model.Funds[year].InsuranceSubsidy.ToYuan()),
            (answer.Persons, answer.Total, answer.AlreadyPaid, answer.UnpaidFundExhausted, answer.FundBalanceAfter));
    }

    private async Task<SubsidyRunResponse> RunSubsidyAsync(int year)
    {
        using var response = await admin.PostAsync($"/api/v1/admin/funds/{year}/insurance-subsidy-run", null, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"Subsidy run: expected 200, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<SubsidyRunResponse>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>
    /// After each step: the database invariants over the funds and this run's patients, then the balances staff see
    /// and the usage eligibility reports for each patient and year the step changed in the model (every one of them at
    /// the end of the run; a change the model did not expect breaks usage = settlements + payments at once), against
    /// the model.
    /// </summary>
    private async Task CheckAgreementAsync(bool everyUsage = false)
    {
        await ModelInvariants.AssertAsync(app, beneficiaryIds);

        var balances = await auditor.GetFromJsonAsync<FundBalanceResponse[]>("/api/v1/admin/funds", Cancel);
        foreach (var year in YearsInScenario)
        {
            foreach (var channel in Channels.InSettlementOrder)
            {
                var reported = balances!.Single(fund => fund.Year == year && fund.Channel == SettlementMapping.ToWire(channel)).Balance;
                Assert.True(model.Funds[year][channel].ToYuan() == reported, $"{channel} {year}: the API reports {reported}, the model holds {model.Funds[year][channel]}");
            }
        }

        var usages = everyUsage
            ? [.. Enumerable.Range(0, patients.Length).SelectMany(patient => YearsInScenario.Select(year => (patient, year)))]
            : model.ChangedUsages.ToArray();
        model.ChangedUsages.Clear();
        foreach (var (patient, year) in usages)
        {
            var date = year == MedicalAidApp.Today.Year ? MedicalAidApp.Today : new DateOnly(year, 12, 31);
            var reported = await hospitals[0].GetFromJsonAsync<EligibilityResponse>(
                $"/api/v1/eligibility/{patients[patient].IdNumber}?date={date:yyyy-MM-dd}", Cancel);
            var usage = model.UsageOf(patient, year);
            Assert.True(
                (reported!.InsuranceSubsidyPaid, reported.Outpatient!.Deductible.Used, reported.Outpatient.AnnualCap.Used,
                    reported.Inpatient!.Deductible.Used, reported.Inpatient.AnnualCap.Used, reported.Temporary!.Used, reported.CharityUsed)
                == (usage.InsuranceSubsidyPaid, usage.OutpatientDeductible.ToYuan(), usage.Outpatient.ToYuan(),
                    usage.InpatientDeductible.ToYuan(), usage.Inpatient.ToYuan(), usage.Temporary.ToYuan(), usage.Charity.ToYuan()),
                $"Patient {patient} in {year}: the API reports usage {JsonSerializer.Serialize(reported)}, the model holds {usage}");
        }
    }

    /// <summary>At the end of a run: staff searching by each patient find exactly the model's settlements, each in the model's status.</summary>
    private async Task CheckSettlementsAsStaffSeeThemAsync()
    {
        for (var patient = 0; patient < patients.Length; patient++)
        {
            var page = await auditor.GetFromJsonAsync<Page<SettlementListItem>>(
                $"/api/v1/admin/settlements?idNumber={patients[patient].IdNumber}&from=2025-01-01&pageSize=200", Cancel);
            var expected = model.Settlements.Where(settlement => settlement.Attempt.Visit.Patient == patient)
                .Select(settlement => (settlement.Id, settlement.IsReversed ? SettlementStatus.Reversed : SettlementStatus.Settled))
                .Order().ToArray();
            Assert.Equal(expected, page!.Items.Select(item => (item.Id, item.Status)).Order().ToArray());
        }
    }

    private void AssertCalculation(ModelVisit visit, SettlementResult expected, SettlementCalculation actual)
    {
        Assert.Equal(visit.NormalizedVisitNumber, actual.VisitNumber);
        Assert.Equal(ModelHospitals.Code(visit.Hospital), actual.HospitalCode);
        Assert.Equal(model.Categories[visit.Patient], actual.Beneficiary.Category);
        Assert.Equal(visit.ServiceDate, actual.ServiceDate);
        Assert.Equal(DemoPolicy.Version.Code, actual.PolicyVersion);
        Assert.Equal(
            expected.Channels.Select(channel => (SettlementMapping.ToWire(channel.Channel), channel.Amount.ToYuan(), string.Join(',', channel.Reasons.Select(SettlementMapping.ReasonCodeName)))),
            actual.Channels.Select(channel => (channel.Channel, channel.Amount, string.Join(',', channel.Reasons))));
        Assert.Equal(
            (expected.AssistanceTotal.ToYuan(), expected.FundsSettled.ToYuan(), expected.PatientPays.ToYuan()),
            (actual.AssistanceTotal, actual.FundsSettled, actual.PatientPays));
    }

    private static void AssertReversal(ModelSettlement target, ReversalResponse reversal)
    {
        Assert.Equal((target.ReversalId, target.Id, target.Attempt.Visit.NormalizedVisitNumber, ModelHospitals.Code(target.Hospital), target.ReversalReason),
            (reversal.ReversalId, reversal.SettlementId, reversal.VisitNumber, reversal.HospitalCode, reversal.Reason));
        var debits = target.Result.FundDebits;
        Assert.Equal(Channels.InSettlementOrder.Select(channel => (SettlementMapping.ToWire(channel), debits[channel].ToYuan())),
            reversal.Channels.Select(channel => (channel.Channel, channel.Amount)));
        Assert.Equal(debits.Sum.ToYuan(), reversal.FundsRestored);
    }

    private static JsonElement AssertProblem(HttpResponseMessage response, string body, HttpStatusCode status, string type)
    {
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {type}, got {(int)response.StatusCode}: {body}");
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(type, problem.GetProperty("type").GetString());
        return problem;
    }

    /// <summary>The wire request for a visit; reformatted, it differs in case, spaces and number scale but not in meaning.</summary>
    private SettlementRequest ToRequest(ModelVisit visit, bool reformatted)
    {
        var patient = patients[visit.Patient];
        var name = visit.WrongName ? patient.Name + "某" : patient.Name;
        var amounts = new BillAmounts
        {
            Total = Yuan(visit.Bill.Total),
            PolicyScope = Yuan(visit.Bill.PolicyScope),
            BasicInsurancePaid = Yuan(visit.Bill.BasicInsurancePaid),
        };
        var inpatient = visit.Type == EngineVisitType.Inpatient;
        return new SettlementRequest
        {
            VisitNumber = reformatted ? $"  {visit.VisitNumber.ToLowerInvariant()} " : visit.VisitNumber,
            VisitType = inpatient ? Contracts.VisitType.Inpatient : Contracts.VisitType.Outpatient,
            Patient = new PatientIdentity
            {
                IdNumber = reformatted ? $" {patient.IdNumber.ToLowerInvariant()}" : patient.IdNumber,
                Name = reformatted ? $" {name}  " : name,
            },
            AdmissionDate = inpatient ? visit.ServiceDate.AddDays(-3) : null,
            DischargeDate = inpatient ? visit.ServiceDate : null,
            VisitDate = inpatient ? null : visit.ServiceDate,
            DiagnosisCodes = [reformatted ? (inpatient ? "j18.9" : "e11.9") : (inpatient ? "J18.9" : "E11.9")],
            Amounts = amounts,
        };

        decimal Yuan(Money money) => reformatted ? money.ToYuan() * 1.000m : money.ToYuan();
    }

    private void Tally(string outcome) => Outcomes[outcome] = Outcomes.GetValueOrDefault(outcome) + 1;

    private void TallyReasons(SettlementResult result)
    {
        foreach (var reason in result.Channels.SelectMany(channel => channel.Reasons.Where(code => code is ReasonCode.CapReached or ReasonCode.FundExhausted or ReasonCode.DeductibleApplied or ReasonCode.AlreadyPaidThisYear).Select(code => $"{channel.Channel} {SettlementMapping.ReasonCodeName(code)}")).Distinct())
        {
            Tally("settled with " + reason);
        }
    }

    private string NewKey() => $"{runId}-k{++nextKey}";

    private string VisitNumber(int hospital, int slot) => $"{runId}-H{hospital + 1}-V{slot}";

    private static DateOnly ServiceDate(int yearIndex, int day)
    {
        var year = SettlementModel.FirstYear + yearIndex;
        var days = year == MedicalAidApp.Today.Year ? MedicalAidApp.Today.DayOfYear : 365;
        return new DateOnly(year, 1, 1).AddDays(day % days);
    }

    private static T Pick<T>(IReadOnlyList<T> items, int index) => items[index % items.Count];

    private static string WireName(Channel channel) => channel switch
    {
        Channel.InsuranceSubsidy => "insuranceSubsidy",
        Channel.Outpatient => "outpatient",
        Channel.Inpatient => "inpatient",
        Channel.Temporary => "temporary",
        _ => "charity",
    };
}

public sealed class ModelDisagreementException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The database invariants of docs/design.md §6 over what one model run can touch, cheap enough for every step: every fund's
/// balance equals its ledger and is not negative; each of the run's patients' usage equals their unreversed
/// settlements plus subsidy-run payments and stays within the caps; every settlement satisfies T = I + A + temp +
/// charity + P; one unreversed settlement per visit. (The whole database is checked at the end of each run.)
/// </summary>
public static class ModelInvariants
{
    public static Task AssertAsync(MedicalAidApp app, IReadOnlyCollection<long> beneficiaryIds)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.WithDbAsync(async db =>
        {
            var ledger = await db.Database
                .SqlQueryRaw<FundLedgerTotal>("""SELECT "FundId", CAST(SUM("Amount") AS bigint) AS "Total" FROM "LedgerEntries" GROUP BY "FundId" """)
                .ToDictionaryAsync(total => total.FundId, total => total.Total);
            foreach (var fund in await db.Funds.AsNoTracking().ToListAsync())
            {
                Assert.True(fund.Balance.Fen == ledger.GetValueOrDefault(fund.Id), $"{fund.Channel} {fund.Year}: balance {fund.Balance} but ledger {new Money(ledger.GetValueOrDefault(fund.Id))}");
                Assert.False(fund.Balance.IsNegative, $"{fund.Channel} {fund.Year} is below zero");
            }

            var settlements = await db.Settlements.AsNoTracking().Where(settlement => beneficiaryIds.Contains(settlement.BeneficiaryId)).ToListAsync();
            foreach (var settlement in settlements)
            {
                Assert.Equal(settlement.Total, settlement.Bill.InsurancePaid + settlement.Outpatient + settlement.Inpatient + settlement.Temporary + settlement.Charity + settlement.PatientPays);
                Assert.False(settlement.PatientPays.IsNegative);
            }

            var unreversed = settlements.Where(settlement => settlement.Status == SettlementState.Settled).ToList();
            Assert.Equal(unreversed.Count, unreversed.Select(settlement => (settlement.HospitalId, settlement.VisitNumber)).Distinct().Count());

            var payments = await db.PremiumSubsidyPayments.AsNoTracking().Where(payment => beneficiaryIds.Contains(payment.BeneficiaryId)).ToListAsync();
            var policy = DemoPolicy.Version;
            foreach (var usage in await db.BeneficiaryYearUsages.AsNoTracking().Where(usage => beneficiaryIds.Contains(usage.BeneficiaryId)).ToListAsync())
            {
                var paidByRuns = payments.Where(payment => payment.BeneficiaryId == usage.BeneficiaryId && payment.Year == usage.Year)
                    .Aggregate(Money.Zero, (sum, payment) => sum + payment.Amount);
                var expected = unreversed.Where(settlement => settlement.BeneficiaryId == usage.BeneficiaryId && settlement.ServiceYear == usage.Year)
                    .Aggregate(YearUsage.None with { InsuranceSubsidy = paidByRuns }, (sum, settlement) => sum + settlement.UsageChange);
                Assert.Equal(expected, usage.ToUsage());
                Assert.True(usage.Outpatient + usage.Inpatient <= policy.SharedAnnualCap, $"shared annual cap exceeded: {usage.Outpatient + usage.Inpatient}");
                Assert.True(usage.Outpatient <= policy.Categories[0].Outpatient.AnnualCap, $"outpatient cap exceeded: {usage.Outpatient}");
                Assert.True(usage.Temporary <= policy.Temporary.AnnualCap, $"temporary cap exceeded: {usage.Temporary}");
            }
        });
    }

    private sealed record FundLedgerTotal(int FundId, long Total);
}
