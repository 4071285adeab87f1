using System.Security.Claims;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Reports;
using MedicalAid.Api.Staff;
using MedicalAid.Contracts;
using MedicalAid.Contracts.Admin;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedicalAid.Api.Settlements;

/// <summary>
/// The staff's reads of settlements — search, totals of the filtered set, detail — each inside the caller's unit
/// scope. The API endpoints and the console pages both call these, so the two can never disagree.
/// </summary>
public sealed class SettlementQueries(MedicalAidDbContext db, DataScopes scopes)
{
    /// <summary>The filtered, scoped, sorted settlements, before paging.</summary>
    public async Task<IOrderedQueryable<Settlement>> FilteredAsync(SettlementSearchQuery query, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var scope = await scopes.ForAsync(user, cancellationToken);
        return query.Sorted(query.Apply(scope.Settlements(db).AsNoTracking()));
    }

    public async Task<Page<SettlementListItem>> SearchAsync(
        SettlementSearchQuery query, int? pageNumber, int? pageSize, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await (await FilteredAsync(query, user, cancellationToken)).Select(ListRow.Projection).ToPageAsync(pageNumber, pageSize, ListRow.ToItem, cancellationToken);

    /// <summary>
    /// The whole filtered set added up in the database. The amounts are summed over <see cref="SettlementAmounts"/>,
    /// the settlement rows' plain fen columns, joined to the same filtered query by id: one statement, no second copy
    /// of the filters.
    /// </summary>
    public async Task<SettlementSearchTotals> TotalsAsync(SettlementSearchQuery query, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var ids = (await FilteredAsync(query, user, cancellationToken)).Select(settlement => settlement.Id);
        var sums = await db.Set<SettlementAmounts>()
            .Where(row => ids.Contains(row.Id))
            .GroupBy(_ => 1)
            .Select(group => new
            {
                Count = group.LongCount(),
                Reversed = group.LongCount(row => row.Status == SettlementAmounts.Reversed),
                Total = group.Sum(row => row.Status == SettlementAmounts.Reversed ? 0 : row.Total),
                PatientPays = group.Sum(row => row.Status == SettlementAmounts.Reversed ? 0 : row.PatientPays),
                InsuranceSubsidy = group.Sum(row => row.Status == SettlementAmounts.Reversed ? 0 : row.InsuranceSubsidy),
                Outpatient = group.Sum(row => row.Status == SettlementAmounts.Reversed ? 0 : row.Outpatient),
                Inpatient = group.Sum(row => row.Status == SettlementAmounts.Reversed ? 0 : row.Inpatient),
                Temporary = group.Sum(row => row.Status == SettlementAmounts.Reversed ? 0 : row.Temporary),
                Charity = group.Sum(row => row.Status == SettlementAmounts.Reversed ? 0 : row.Charity),
            })
            .FirstOrDefaultAsync(cancellationToken);
        var channels = sums is null
            ? ChannelAmounts.Zero
            : new ChannelAmounts(new Money(sums.InsuranceSubsidy), new Money(sums.Outpatient), new Money(sums.Inpatient), new Money(sums.Temporary), new Money(sums.Charity));
        return new SettlementSearchTotals
        {
            Count = sums?.Count ?? 0,
            ReversedCount = sums?.Reversed ?? 0,
            Total = new Money(sums?.Total ?? 0).ToYuan(),
            FundsSettled = channels.Sum.ToYuan(),
            PatientPays = new Money(sums?.PatientPays ?? 0).ToYuan(),
            ByChannel = SummaryReportService.ToWire(channels),
        };
    }

    /// <summary>A settlement of the caller's people with its trace and reversal; null when there is none in scope.</summary>
    public async Task<SettlementResponse?> GetAsync(Guid id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(user, cancellationToken);
        var settlement = await scope.Settlements(db).AsNoTracking()
            .Include(candidate => candidate.Reversal)
            .FirstOrDefaultAsync(candidate => candidate.Id == id, cancellationToken);
        return settlement is null ? null : SettlementMapping.ToResponse(settlement);
    }

    /// <summary>
    /// What staff see of a settlement beyond the hospital's answer: the idempotency key it was settled under, the
    /// person it belongs to and why it was reversed. Null when the settlement is not in the caller's scope.
    /// </summary>
    public async Task<SettlementRecordFacts?> RecordFactsAsync(Guid id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var scope = await scopes.ForAsync(user, cancellationToken);
        return await scope.Settlements(db).Where(candidate => candidate.Id == id)
            .Select(candidate => new SettlementRecordFacts(candidate.IdempotencyKey, candidate.BeneficiaryId, candidate.Reversal == null ? null : candidate.Reversal.Reason))
            .FirstOrDefaultAsync(cancellationToken);
    }
}

/// <summary>A settlement's idempotency key, its beneficiary and the reason of its reversal, if any.</summary>
public sealed record SettlementRecordFacts(string IdempotencyKey, long BeneficiaryId, string? ReversalReason);

/// <summary>
/// The amount columns of the settlements table read as plain fen, for sums in the database (the entity reads them as
/// <see cref="Money"/>, which SQL cannot add up). Mapped to the table as a view, so migrations leave it alone.
/// </summary>
public sealed class SettlementAmounts
{
    public const string Reversed = nameof(SettlementState.Reversed);

    public Guid Id { get; set; }

    public string Status { get; set; } = "";

    public long Total { get; set; }

    public long PatientPays { get; set; }

    public long InsuranceSubsidy { get; set; }

    public long Outpatient { get; set; }

    public long Inpatient { get; set; }

    public long Temporary { get; set; }

    public long Charity { get; set; }
}

internal sealed class SettlementAmountsConfiguration : IEntityTypeConfiguration<SettlementAmounts>
{
    public void Configure(EntityTypeBuilder<SettlementAmounts> builder)
    {
        builder.HasNoKey();
        builder.ToView("Settlements");
    }
}
