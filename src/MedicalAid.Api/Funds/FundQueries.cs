using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;

namespace MedicalAid.Api.Funds;

/// <summary>
/// Fund balances with what each fund received (opening balance and top-ups) and so what it paid: the funds endpoint
/// and the console's dashboard both read them here.
/// </summary>
public sealed class FundQueries(MedicalAidDbContext db)
{
    public async Task<IReadOnlyList<FundBalanceResponse>> BalancesAsync(int? year, Channel? channel, CancellationToken cancellationToken)
    {
        var funds = await db.Funds.AsNoTracking()
            .Where(fund => (year == null || fund.Year == year) && (channel == null || fund.Channel == channel))
            .ToListAsync(cancellationToken);
        if (funds.Count == 0)
        {
            return [];
        }

        // Only the few opening and top-up entries are added up; the settlements' many debits never need reading,
        // since what was paid is what was received less the balance the debits left.
        var ids = funds.Select(fund => fund.Id).ToArray();
        var received = (await db.LedgerEntries.AsNoTracking()
                .Where(entry => ids.Contains(entry.FundId) && (entry.Kind == LedgerEntryKind.OpeningBalance || entry.Kind == LedgerEntryKind.TopUp))
                .Select(entry => new { entry.FundId, entry.Amount })
                .ToListAsync(cancellationToken))
            .GroupBy(entry => entry.FundId)
            .ToDictionary(group => group.Key, group => group.Aggregate(Money.Zero, (sum, entry) => sum + entry.Amount));
        return funds
            .OrderBy(fund => fund.Year).ThenBy(fund => fund.Channel)
            .Select(fund =>
            {
                var fundReceived = received.GetValueOrDefault(fund.Id, Money.Zero);
                return new FundBalanceResponse
                {
                    Year = fund.Year,
                    Channel = SettlementMapping.ToWire(fund.Channel),
                    Balance = fund.Balance.ToYuan(),
                    Received = fundReceived.ToYuan(),
                    Paid = (fundReceived - fund.Balance).ToYuan(),
                };
            })
            .ToArray();
    }
}
