using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Policies;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Funds;

/// <summary>
/// The yearly insurance-subsidy run (资助参保): pays the premium subsidy once to every beneficiary who is active on
/// the run date in a category with a subsidy and has not been paid this year. It works through the registry in
/// batches; each batch is one transaction that locks its beneficiaries' usage rows and then the funds, exactly as a
/// settlement does, so a run, a settlement and a second run can never pay one person twice.
/// </summary>
public sealed class SubsidyRun(MedicalAidDbContext db, TransactionRunner transactions, RowLocks locks, PolicyCatalog policies, ServiceCalendar calendar)
{
    private const int BatchSize = 500;

    public sealed record Outcome(SubsidyRunResponse? Result, string? NoPolicy);

    public async Task<Outcome> RunAsync(int year, CancellationToken cancellationToken)
    {
        var today = calendar.Today();
        var asOf = year < today.Year ? new DateOnly(year, 12, 31) : today;
        var policy = await policies.InForceOnAsync(asOf, cancellationToken);
        if (policy is null)
        {
            return new Outcome(null, $"No policy version is in force on {asOf:yyyy-MM-dd}.");
        }

        var premiums = policy.Categories.Where(rule => rule.PremiumSubsidy.IsPositive)
            .ToDictionary(rule => rule.Category, rule => rule.PremiumSubsidy, StringComparer.Ordinal);
        var runId = Guid.CreateVersion7(calendar.Now());
        var (persons, total, alreadyPaid, unpaid) = (0, Money.Zero, 0, 0);
        var balanceAfter = Money.Zero;

        for (long afterId = 0; ;)
        {
            var batch = await db.Beneficiaries.AsNoTracking()
                .Include(beneficiary => beneficiary.StatusHistory)
                .Where(beneficiary => beneficiary.Id > afterId)
                .OrderBy(beneficiary => beneficiary.Id)
                .Take(BatchSize)
                .ToListAsync(cancellationToken);
            if (batch.Count == 0)
            {
                break;
            }

            afterId = batch[^1].Id;
            var eligible = batch
                .Select(beneficiary => (beneficiary.Id, Status: beneficiary.StatusOn(asOf)))
                .Where(candidate => candidate.Status is { IsActive: true } && premiums.ContainsKey(candidate.Status.CategoryCode))
                .ToDictionary(candidate => candidate.Id, candidate => premiums[candidate.Status!.CategoryCode]);
            if (eligible.Count == 0)
            {
                continue;
            }

            var counts = await transactions.RunAsync(ct => PayBatchAsync(year, runId, eligible, ct), cancellationToken);
            persons += counts.Persons;
            total += counts.Total;
            alreadyPaid += counts.AlreadyPaid;
            unpaid += counts.Unpaid;
        }

        balanceAfter = await db.Funds.AsNoTracking()
            .Where(fund => fund.Year == year && fund.Channel == Channel.InsuranceSubsidy)
            .Select(fund => fund.Balance).FirstOrDefaultAsync(cancellationToken);
        return new Outcome(new SubsidyRunResponse
        {
            RunId = runId,
            Year = year,
            Persons = persons,
            Total = total.ToYuan(),
            AlreadyPaid = alreadyPaid,
            UnpaidFundExhausted = unpaid,
            FundBalanceAfter = balanceAfter.ToYuan(),
        }, null);
    }

    private async Task<(int Persons, Money Total, int AlreadyPaid, int Unpaid)> PayBatchAsync(
        int year, Guid runId, Dictionary<long, Money> premiums, CancellationToken cancellationToken)
    {
        var usages = await locks.UsagesAsync([.. premiums.Keys], year, cancellationToken);
        var funds = await locks.FundsAsync(year, cancellationToken);
        var fund = funds.FirstOrDefault(candidate => candidate.Channel == Channel.InsuranceSubsidy);
        var now = calendar.Now();
        var (persons, total, alreadyPaid, unpaid) = (0, Money.Zero, 0, 0);
        foreach (var usage in usages)
        {
            if (usage.ToUsage().InsuranceSubsidyPaid)
            {
                alreadyPaid++;
                continue;
            }

            var amount = Money.Min(premiums[usage.BeneficiaryId], fund?.Balance ?? Money.Zero);
            if (!amount.IsPositive)
            {
                unpaid++;
                continue;
            }

            usage.Apply(YearUsage.None with { InsuranceSubsidy = amount });
            db.PremiumSubsidyPayments.Add(new PremiumSubsidyPayment { BeneficiaryId = usage.BeneficiaryId, Year = year, Amount = amount, RunId = runId, PaidAt = now });
            FundLedger.Post(db, funds, ChannelAmounts.Zero with { InsuranceSubsidy = -amount }, new LedgerEntry
            {
                Kind = LedgerEntryKind.PremiumSubsidy,
                Year = year,
                BeneficiaryId = usage.BeneficiaryId,
                Note = $"Subsidy run {runId}",
                CreatedAt = now,
            });
            persons++;
            total += amount;
        }

        await db.SaveChangesAsync(cancellationToken);
        return (persons, total, alreadyPaid, unpaid);
    }
}
