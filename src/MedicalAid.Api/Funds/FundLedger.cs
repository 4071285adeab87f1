using MedicalAid.Api.Infrastructure;
using MedicalAid.Engine;

namespace MedicalAid.Api.Funds;

/// <summary>Moves money on funds: every change of a balance is written as a ledger entry in the same transaction.</summary>
public static class FundLedger
{
    public static ChannelAmounts Balances(IEnumerable<Fund> funds)
    {
        var balances = ChannelAmounts.Zero;
        foreach (var fund in funds)
        {
            balances = balances.With(fund.Channel, fund.Balance);
        }

        return balances;
    }

    /// <summary>
    /// Adds <paramref name="movements"/> (positive in, negative out) to the funds and records one entry per non-zero
    /// channel. A balance can never go below zero: the database refuses it too.
    /// </summary>
    public static void Post(
        MedicalAidDbContext db,
        IReadOnlyList<Fund> funds,
        ChannelAmounts movements,
        LedgerEntry template)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(funds);
        ArgumentNullException.ThrowIfNull(template);
        foreach (var channel in Channels.InSettlementOrder)
        {
            var amount = movements[channel];
            if (amount == Money.Zero)
            {
                continue;
            }

            var fund = funds.FirstOrDefault(candidate => candidate.Channel == channel)
                ?? throw new InvalidOperationException($"No {channel} fund for {template.Year}.");
            var balance = fund.Balance + amount;
            if (balance.IsNegative)
            {
                throw new InvalidOperationException($"The {channel} fund for {fund.Year} would go below zero.");
            }

            fund.Balance = balance;
            db.LedgerEntries.Add(new LedgerEntry
            {
                FundId = fund.Id,
                Channel = channel,
                Year = fund.Year,
                Kind = template.Kind,
                Amount = amount,
                SettlementId = template.SettlementId,
                ReversalId = template.ReversalId,
                HospitalId = template.HospitalId,
                BeneficiaryId = template.BeneficiaryId,
                Note = template.Note,
                CreatedAt = template.CreatedAt,
            });
        }
    }
}
