using System.Data.Common;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Engine;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace MedicalAid.Api.Settlements;

/// <summary>What a settlement decides on, read inside its transaction once the beneficiary's usage row is held.</summary>
/// <param name="Usage">The usage row for the year, created at zero if this is the person's first settlement of it.</param>
/// <param name="Earlier">What an earlier request under the same key recorded: a retry's original, or a duplicate that committed while this one waited.</param>
/// <param name="UnreversedSettlementOfVisit">The visit's unreversed settlement, if it has one.</param>
/// <param name="Funds">The year's funds in id order, read without a lock.</param>
public sealed record SettlementGround(
    BeneficiaryYearUsage Usage, IdempotencyRecord? Earlier, Guid? UnreversedSettlementOfVisit, IReadOnlyList<Fund> Funds)
{
    /// <summary>
    /// One round trip: the usage upsert that locks the row (PostgreSQL; SQLite's transaction already holds the write
    /// lock) and, behind it in the same command, the reads that must see what committed before the lock was granted.
    /// </summary>
    public static async Task<SettlementGround> ReadAsync(
        MedicalAidDbContext db, long beneficiaryId, int year, int hospitalId, string key, string visitNumber, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);

        // Every column of the usage row comes back, read through the model, because the settlement writes every one of
        // them back (RawSql.AppendUpdate): a column added later is carried over, not reset.
        var usageColumns = TableColumns.Of<BeneficiaryYearUsage>(db).NonKeyColumns;
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("The settlement reads belong inside the settlement's transaction.");
        command.CommandText = $"""
            {RowLocks.UsageUpsert("@beneficiary", "@year")}
            RETURNING {string.Join(", ", usageColumns.Select(column => column.QuotedName))};
            SELECT "Operation", "RequestFingerprint", "ResponseStatus", "ResponseBody"
            FROM "IdempotencyRecords" WHERE "HospitalId" = @hospital AND "Key" = @key;
            SELECT "Id" FROM "Settlements" WHERE "HospitalId" = @hospital AND "VisitNumber" = @visit AND "Status" = 'Settled' LIMIT 1;
            SELECT "Id", "Balance", "Channel", "Year" FROM "Funds" WHERE "Year" = @year ORDER BY "Id";
            """;
        Parameter(command, "@beneficiary", beneficiaryId);
        Parameter(command, "@year", year);
        Parameter(command, "@hospital", hospitalId);
        Parameter(command, "@key", key);
        Parameter(command, "@visit", visitNumber);

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var usage = new BeneficiaryYearUsage { BeneficiaryId = beneficiaryId, Year = year };
        for (var column = 0; column < usageColumns.Count; column++)
        {
            usageColumns[column].WriteStored(usage, reader.IsDBNull(column) ? null : reader.GetValue(column));
        }

        await reader.NextResultAsync(cancellationToken);
        IdempotencyRecord? earlier = null;
        if (await reader.ReadAsync(cancellationToken))
        {
            earlier = new IdempotencyRecord
            {
                HospitalId = hospitalId,
                Key = key,
                Operation = Enum.Parse<IdempotentOperation>(reader.GetString(0)),
                RequestFingerprint = reader.GetString(1),
                ResponseStatus = reader.GetInt32(2),
                ResponseBody = reader.IsDBNull(3) ? null : reader.GetString(3),
            };
        }

        await reader.NextResultAsync(cancellationToken);
        Guid? unreversed = await reader.ReadAsync(cancellationToken) ? reader.GetGuid(0) : null;

        await reader.NextResultAsync(cancellationToken);
        var funds = new List<Fund>();
        while (await reader.ReadAsync(cancellationToken))
        {
            funds.Add(new Fund
            {
                Id = reader.GetInt32(0),
                Balance = new Money(reader.GetInt64(1)),
                Channel = Enum.Parse<Channel>(reader.GetString(2)),
                Year = reader.GetInt32(3),
            });
        }

        return new SettlementGround(usage, earlier, unreversed, funds);
    }

    private static void Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
