using System.Globalization;
using Microsoft.Data.Sqlite;

namespace MedicalAid.LoadDriver;

/// <summary>
/// SQLite's own limit for a settlement-shaped write, in C# with Microsoft.Data.Sqlite (the provider and native
/// library the API uses), on a copy of the API's own database file (same schema, indexes, population and funds) and
/// with the API's durability settings: WAL journal (persistent in the file), <c>synchronous=FULL</c>,
/// <c>foreign_keys=ON</c>. One transaction per settlement, begun IMMEDIATE:
/// insert-if-missing and read the beneficiary's usage row, read the year's fund rows, insert one settlement row,
/// insert one ledger row per channel that pays, update the usage row, update the fund rows that pay. Each writer has
/// its own connection with prepared statements; writers of this process queue on an in-process gate, as the API's
/// do (SQLite admits one writer at a time).
/// </summary>
internal sealed class RawSqlite : IAsyncDisposable
{
    private static readonly string[] CharityCategories = ["extreme-poverty", "minimum-living", "orphan", "illness-poverty"];

    private static readonly Dictionary<string, long> PremiumSubsidies = new(StringComparer.Ordinal)
    {
        ["extreme-poverty"] = 400_00,
        ["minimum-living"] = 200_00,
        ["orphan"] = 400_00,
    };

    private static readonly string[] ChannelNames = ["InsuranceSubsidy", "Outpatient", "Inpatient", "Temporary", "Charity"];

    private readonly string connectionString;
    private readonly (long Id, string Category)[] beneficiaries;
    private readonly (long Id, string Code)[] hospitals;
    private readonly (long Id, string Code) policy;
    private readonly Column[] settlementColumns;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Writer?[] writers;
    private readonly string runId = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
    private long ledgerRows;
    private long settlements;

    private RawSqlite(string connectionString, int maxWriters, (long, string)[] beneficiaries, (long, string)[] hospitals, (long, string) policy, Column[] settlementColumns)
    {
        this.connectionString = connectionString;
        this.beneficiaries = beneficiaries;
        this.hospitals = hospitals;
        this.policy = policy;
        this.settlementColumns = settlementColumns;
        writers = new Writer?[maxWriters];
    }

    /// <summary>Ledger rows per settlement written so far.</summary>
    public double LedgerRowsPerSettlement => settlements == 0 ? 0 : (double)Interlocked.Read(ref ledgerRows) / Interlocked.Read(ref settlements);

    public static async Task<RawSqlite> OpenAsync(string databasePath, int maxWriters, CancellationToken cancellationToken)
    {
        var connectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, DefaultTimeout = 30, Pooling = false }.ToString();
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var beneficiaries = await ListAsync(connection, """
            SELECT b."Id", (SELECT s."CategoryCode" FROM "BeneficiaryStatusChanges" s WHERE s."BeneficiaryId" = b."Id" ORDER BY s."EffectiveFrom" DESC LIMIT 1)
            FROM "Beneficiaries" b
            """, reader => (reader.GetInt64(0), reader.IsDBNull(1) ? "minimum-living" : reader.GetString(1)), cancellationToken);
        var hospitals = await ListAsync(connection, """SELECT "Id", "Code" FROM "Hospitals" ORDER BY "Id" """, reader => (reader.GetInt64(0), reader.GetString(1)), cancellationToken);
        var policies = await ListAsync(connection, """SELECT "Id", "Code" FROM "PolicyVersions" ORDER BY "Id" """, reader => (reader.GetInt64(0), reader.GetString(1)), cancellationToken);
        var columns = await ListAsync(connection, """PRAGMA table_info("Settlements")""",
            reader => new Column(reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0, !reader.IsDBNull(4)), cancellationToken);
        var journal = await ListAsync(connection, "PRAGMA journal_mode", reader => reader.GetString(0), cancellationToken);
        if (beneficiaries.Count == 0 || hospitals.Count == 0 || policies.Count == 0 || columns.Count == 0)
        {
            throw new InvalidOperationException($"{databasePath} is not a prepared MedicalAid database.");
        }

        if (!string.Equals(journal[0], "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"{databasePath} is in journal mode {journal[0]}, not WAL as the API sets it.");
        }

        return new RawSqlite(connectionString, maxWriters, [.. beneficiaries], [.. hospitals], policies[0], [.. columns]);
    }

    public async Task<string?> SettleAsync(int worker, CancellationToken cancellationToken)
    {
        var writer = writers[worker] ??= await Writer.OpenAsync(connectionString, settlementColumns, unchecked(worker * 7_919 + 17), cancellationToken);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var rows = Settle(writer, worker);
            Interlocked.Add(ref ledgerRows, rows);
            Interlocked.Increment(ref settlements);
            return null;
        }
        finally
        {
            gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var writer in writers)
        {
            if (writer is not null)
            {
                await writer.DisposeAsync();
            }
        }

        gate.Dispose();
    }

    /// <summary>One settlement transaction; returns the number of ledger rows written.</summary>
    private int Settle(Writer writer, int worker)
    {
        var random = writer.Random;
#pragma warning disable CA5394 // Reproducible test data, not security.
        var (beneficiaryId, category) = beneficiaries[random.Next(beneficiaries.Length)];
        var (hospitalId, hospitalCode) = hospitals[random.Next(hospitals.Length)];
        var now = DateTimeOffset.UtcNow;
        var serviceDate = DateOnly.FromDateTime((now + TimeSpan.FromHours(8)).UtcDateTime).AddDays(-1);
        var year = serviceDate.Year;
        var inpatient = random.NextDouble() < 0.5;
        var total = inpatient ? random.NextInt64(3_000_00, 60_000_00 + 1) : random.NextInt64(100_00, 3_000_00 + 1);
        var scope = (long)Math.Round(total * (0.80 + (0.15 * random.NextDouble())));
        var insurance = (long)Math.Round(scope * (0.40 + (0.30 * random.NextDouble())));
#pragma warning restore CA5394

        using var transaction = writer.Connection.BeginTransaction(deferred: false);
        writer.Bind(transaction);

        writer.InsertUsage.Parameters["$b"].Value = beneficiaryId;
        writer.InsertUsage.Parameters["$y"].Value = year;
        var firstOfYear = writer.InsertUsage.ExecuteNonQuery() == 1;

        writer.SelectUsage.Parameters["$b"].Value = beneficiaryId;
        writer.SelectUsage.Parameters["$y"].Value = year;
        var usage = new long[7];
        using (var reader = writer.SelectUsage.ExecuteReader())
        {
            reader.Read();
            for (var i = 0; i < usage.Length; i++)
            {
                usage[i] = reader.GetInt64(i);
            }
        }

        writer.SelectFunds.Parameters["$y"].Value = year;
        var funds = new Dictionary<string, (long Id, long Balance)>(StringComparer.Ordinal);
        using (var reader = writer.SelectFunds.ExecuteReader())
        {
            while (reader.Read())
            {
                funds.TryAdd(reader.GetString(1), (reader.GetInt64(0), reader.GetInt64(2)));
            }
        }

        // The shape of docs/design.md §3, not its exact figures: which channels pay decides the rows written.
        var outOfPocket = scope - insurance;
        var medical = (long)Math.Round(outOfPocket * (inpatient ? 0.7 : 0.6));
        var remaining = total - insurance - medical;
        var temporary = remaining >= 1_000_00 ? Math.Min(remaining / 2, 500_00) : 0;
        var charity = CharityCategories.Contains(category) && remaining - temporary >= 2_000_00 ? Math.Min((remaining - temporary) * 3 / 10, 5_000_00) : 0;
        var subsidy = firstOfYear && PremiumSubsidies.TryGetValue(category, out var premium) ? premium : 0;
        long[] debits = [subsidy, inpatient ? 0 : medical, inpatient ? medical : 0, temporary, charity];

        var settlementId = Guid.CreateVersion7(now).ToString().ToUpperInvariant();
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["Id"] = settlementId,
            ["HospitalId"] = hospitalId,
            ["HospitalCode"] = hospitalCode,
            ["IdempotencyKey"] = Guid.NewGuid().ToString(),
            ["VisitNumber"] = string.Create(CultureInfo.InvariantCulture, $"RAW{runId}-{worker}-{++writer.Counter}"),
            ["VisitType"] = inpatient ? "Inpatient" : "Outpatient",
            ["BeneficiaryId"] = beneficiaryId,
            ["IdNumber"] = "140105194001010000",
            ["BeneficiaryName"] = "负载" + beneficiaryId.ToString(CultureInfo.InvariantCulture),
            ["CategoryCode"] = category,
            ["ServiceDate"] = Date(serviceDate),
            ["ServiceYear"] = year,
            ["AdmissionDate"] = inpatient ? Date(serviceDate.AddDays(-7)) : null,
            ["DischargeDate"] = inpatient ? Date(serviceDate) : null,
            ["VisitDate"] = inpatient ? null : Date(serviceDate),
            ["DiagnosisCodes"] = inpatient ? "J18.9" : "I10",
            ["PolicyVersionId"] = policy.Id,
            ["PolicyCode"] = policy.Code,
            ["Total"] = total,
            ["PolicyScope"] = scope,
            ["BasicInsurancePaid"] = insurance,
            ["CriticalIllnessInsurancePaid"] = 0L,
            ["OtherInsurancePaid"] = 0L,
            ["InsuranceSubsidy"] = debits[0],
            ["Outpatient"] = debits[1],
            ["Inpatient"] = debits[2],
            ["Temporary"] = debits[3],
            ["Charity"] = debits[4],
            ["DeductibleApplied"] = 0L,
            ["AssistanceTotal"] = medical + temporary + charity,
            ["FundsSettled"] = medical + temporary + charity + subsidy,
            ["PatientPays"] = total - insurance - medical - temporary - charity,
            ["ChannelDetails"] = ChannelDetails(debits, outOfPocket, remaining),
            ["Status"] = "Settled",
            ["SettledAt"] = Timestamp(now),
            ["ReversedAt"] = null,
        };
        for (var i = 0; i < settlementColumns.Length; i++)
        {
            writer.InsertSettlement.Parameters[i].Value = values.TryGetValue(settlementColumns[i].Name, out var value)
                ? value ?? DBNull.Value
                : settlementColumns[i].Fallback;
        }

        writer.InsertSettlement.ExecuteNonQuery();

        var ledger = 0;
        for (var channel = 0; channel < debits.Length; channel++)
        {
            if (debits[channel] == 0 || !funds.TryGetValue(ChannelNames[channel], out var fund))
            {
                continue;
            }

            var insert = writer.InsertLedger.Parameters;
            insert["$fund"].Value = fund.Id;
            insert["$channel"].Value = ChannelNames[channel];
            insert["$year"].Value = year;
            insert["$amount"].Value = -debits[channel];
            insert["$settlement"].Value = settlementId;
            insert["$hospital"].Value = hospitalId;
            insert["$beneficiary"].Value = beneficiaryId;
            insert["$at"].Value = Timestamp(now);
            writer.InsertLedger.ExecuteNonQuery();
            ledger++;

            writer.UpdateFund.Parameters["$id"].Value = fund.Id;
            writer.UpdateFund.Parameters["$balance"].Value = fund.Balance - debits[channel];
            writer.UpdateFund.ExecuteNonQuery();
        }

        var update = writer.UpdateUsage.Parameters;
        update["$b"].Value = beneficiaryId;
        update["$y"].Value = year;
        update["$subsidy"].Value = usage[0] + debits[0];
        update["$outpatient"].Value = usage[3] + debits[1];
        update["$inpatient"].Value = usage[4] + debits[2];
        update["$temporary"].Value = usage[5] + debits[3];
        update["$charity"].Value = usage[6] + debits[4];
        writer.UpdateUsage.ExecuteNonQuery();

        transaction.Commit();
        return ledger;
    }

    /// <summary>About the size and form of the API's channel trace (some 900 characters).</summary>
    private static string ChannelDetails(long[] debits, long outOfPocket, long remaining) => string.Create(CultureInfo.InvariantCulture, $$$"""
        [{"channel":"insuranceSubsidy","amount":{{{Yuan(debits[0])}}},"reasons":[],"trace":{"premiumSubsidy":{{{Yuan(debits[0])}}},"fundBalance":500000000.00}},{"channel":"outpatient","amount":{{{Yuan(debits[1])}}},"reasons":["NOT_APPLICABLE_VISIT_TYPE"],"trace":{}},{"channel":"inpatient","amount":{{{Yuan(debits[2])}}},"reasons":[],"trace":{"outOfPocket":{{{Yuan(outOfPocket)}}},"deductible":0.00,"deductibleUsed":0.00,"deductibleApplied":0.00,"categoryRatio":0.75,"levelAdjustment":0,"ratio":0.75,"raw":{{{Yuan(debits[2])}}},"typeCapLeft":80000.00,"sharedAnnualCapLeft":80000.00,"fundBalance":3000000000.00}},{"channel":"temporary","amount":{{{Yuan(debits[3])}}},"reasons":["CAP_REACHED"],"trace":{"remaining":{{{Yuan(remaining)}}},"threshold":1000.00,"ratio":0.5,"raw":{{{Yuan(remaining / 2)}}},"perEventLimit":500.00,"annualCapLeft":3000.00,"fundBalance":200000000.00}},{"channel":"charity","amount":{{{Yuan(debits[4])}}},"reasons":[],"trace":{"remaining":{{{Yuan(remaining - debits[3])}}},"threshold":2000.00,"ratio":0.3,"raw":{{{Yuan(debits[4])}}},"perCaseCap":5000.00,"fundBalance":100000000.00}}]
        """);

    private static string Yuan(long fen) => (fen / 100m).ToString("0.00", CultureInfo.InvariantCulture);

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>How the API stores a DateTimeOffset in SQLite (EF Core's DateTimeOffsetToBinaryConverter, so that it sorts).</summary>
    private static long Timestamp(DateTimeOffset at) => ((at.Ticks / 1000) << 11) | ((long)at.Offset.TotalMinutes & 0x07FF);

    private static async Task<List<T>> ListAsync<T>(SqliteConnection connection, string sql, Func<SqliteDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var list = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(read(reader));
        }

        return list;
    }

    /// <summary>A column of the Settlements table; one the benchmark does not know gets a neutral value if it must have one.</summary>
    private sealed record Column(string Name, string Type, bool NotNull, bool HasDefault)
    {
        public object Fallback => !NotNull || HasDefault
            ? DBNull.Value
            : Type.Contains("INT", StringComparison.OrdinalIgnoreCase) ? 0L
            : Type.Contains("REAL", StringComparison.OrdinalIgnoreCase) ? 0.0
            : "";
    }

    /// <summary>A writer's connection and prepared statements.</summary>
    private sealed class Writer : IAsyncDisposable
    {
        private Writer(SqliteConnection connection, Random random)
        {
            Connection = connection;
            Random = random;
            InsertUsage = Command("""
                INSERT INTO "BeneficiaryYearUsages" ("BeneficiaryId", "Year", "InsuranceSubsidy", "OutpatientDeductible", "InpatientDeductible", "Outpatient", "Inpatient", "Temporary", "Charity")
                VALUES ($b, $y, 0, 0, 0, 0, 0, 0, 0) ON CONFLICT DO NOTHING
                """, "$b", "$y");
            SelectUsage = Command("""
                SELECT "InsuranceSubsidy", "OutpatientDeductible", "InpatientDeductible", "Outpatient", "Inpatient", "Temporary", "Charity"
                FROM "BeneficiaryYearUsages" WHERE "BeneficiaryId" = $b AND "Year" = $y
                """, "$b", "$y");
            SelectFunds = Command("""SELECT "Id", "Channel", "Balance" FROM "Funds" WHERE "Year" = $y ORDER BY "Id" """, "$y");
            InsertLedger = Command("""
                INSERT INTO "LedgerEntries" ("FundId", "Channel", "Year", "Kind", "Amount", "SettlementId", "HospitalId", "BeneficiaryId", "CreatedAt")
                VALUES ($fund, $channel, $year, 'SettlementDebit', $amount, $settlement, $hospital, $beneficiary, $at)
                """, "$fund", "$channel", "$year", "$amount", "$settlement", "$hospital", "$beneficiary", "$at");
            UpdateFund = Command("""UPDATE "Funds" SET "Balance" = $balance WHERE "Id" = $id""", "$balance", "$id");
            UpdateUsage = Command("""
                UPDATE "BeneficiaryYearUsages" SET "InsuranceSubsidy" = $subsidy, "Outpatient" = $outpatient, "Inpatient" = $inpatient,
                    "Temporary" = $temporary, "Charity" = $charity
                WHERE "BeneficiaryId" = $b AND "Year" = $y
                """, "$subsidy", "$outpatient", "$inpatient", "$temporary", "$charity", "$b", "$y");
            InsertSettlement = null!;
        }

        public SqliteConnection Connection { get; }

        public Random Random { get; }

        public long Counter { get; set; }

        public SqliteCommand InsertUsage { get; }

        public SqliteCommand SelectUsage { get; }

        public SqliteCommand SelectFunds { get; }

        public SqliteCommand InsertSettlement { get; private set; }

        public SqliteCommand InsertLedger { get; }

        public SqliteCommand UpdateFund { get; }

        public SqliteCommand UpdateUsage { get; }

        private IEnumerable<SqliteCommand> Commands => [InsertUsage, SelectUsage, SelectFunds, InsertSettlement, InsertLedger, UpdateFund, UpdateUsage];

        public static async Task<Writer> OpenAsync(string connectionString, IReadOnlyList<Column> settlementColumns, int seed, CancellationToken cancellationToken)
        {
            var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using (var pragmas = connection.CreateCommand())
            {
                // What the API's connection interceptor sets on every connection.
                pragmas.CommandText = "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;";
                await pragmas.ExecuteNonQueryAsync(cancellationToken);
            }

#pragma warning disable CA5394 // Reproducible test data, not security.
            var writer = new Writer(connection, new Random(seed));
#pragma warning restore CA5394
            var names = settlementColumns.Select((_, i) => "$c" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            writer.InsertSettlement = writer.Command(
                $"""INSERT INTO "Settlements" ({string.Join(", ", settlementColumns.Select(column => $"\"{column.Name}\""))}) VALUES ({string.Join(", ", names)})""",
                names);
            return writer;
        }

        public void Bind(SqliteTransaction transaction)
        {
            foreach (var command in Commands)
            {
                command.Transaction = transaction;
            }
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var command in Commands)
            {
                await command.DisposeAsync();
            }

            await Connection.DisposeAsync();
        }

        private SqliteCommand Command(string sql, params string[] parameters)
        {
            var command = Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(new SqliteParameter(parameter, DBNull.Value));
            }

            return command;
        }
    }
}
