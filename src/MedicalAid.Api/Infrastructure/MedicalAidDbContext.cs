using MedicalAid.Api.Audit;
using MedicalAid.Api.Beneficiaries;
using MedicalAid.Api.Clearing;
using MedicalAid.Api.Funds;
using MedicalAid.Api.Hospitals;
using MedicalAid.Api.Policies;
using MedicalAid.Api.Reports;
using MedicalAid.Api.Settlements;
using MedicalAid.Api.Staff;
using MedicalAid.Api.Units;
using MedicalAid.Engine;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace MedicalAid.Api.Infrastructure;

/// <summary>
/// The one model of MedicalAid. Each provider has a subclass so that each keeps its own migrations
/// (Migrations/Sqlite, Migrations/Postgres). Staff accounts live here too (ASP.NET Core Identity's tables), so that
/// an account, its unit and what it may see are one database and one backup.
/// </summary>
public abstract class MedicalAidDbContext(DbContextOptions options) : IdentityDbContext<StaffUser>(options)
{
    public DbSet<OrganisationUnit> Units => Set<OrganisationUnit>();

    public DbSet<Hospital> Hospitals => Set<Hospital>();

    public DbSet<Category> Categories => Set<Category>();

    public DbSet<Beneficiary> Beneficiaries => Set<Beneficiary>();

    public DbSet<BeneficiaryStatusChange> BeneficiaryStatusChanges => Set<BeneficiaryStatusChange>();

    public DbSet<BeneficiaryYearUsage> BeneficiaryYearUsages => Set<BeneficiaryYearUsage>();

    public DbSet<PolicyVersionRecord> PolicyVersions => Set<PolicyVersionRecord>();

    public DbSet<Fund> Funds => Set<Fund>();

    public DbSet<LedgerEntry> LedgerEntries => Set<LedgerEntry>();

    public DbSet<Settlement> Settlements => Set<Settlement>();

    public DbSet<SettlementReversal> SettlementReversals => Set<SettlementReversal>();

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    public DbSet<PremiumSubsidyPayment> PremiumSubsidyPayments => Set<PremiumSubsidyPayment>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<ClearingStatement> ClearingStatements => Set<ClearingStatement>();

    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();

    public DbSet<MonthlySettlementTotal> MonthlySettlementTotals => Set<MonthlySettlementTotal>();

    public DbSet<PersonSettledMonths> PersonSettledMonths => Set<PersonSettledMonths>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(MedicalAidDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        ArgumentNullException.ThrowIfNull(configurationBuilder);
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<Money>().HaveConversion<MoneyToFenConverter>();
        configurationBuilder.Properties<Channel>().HaveConversion<string>().HaveMaxLength(24);
        configurationBuilder.Properties<VisitType>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<HospitalLevel>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<SettlementState>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<LedgerEntryKind>().HaveConversion<string>().HaveMaxLength(24);
        configurationBuilder.Properties<IdempotentOperation>().HaveConversion<string>().HaveMaxLength(24);
    }

    private sealed class MoneyToFenConverter() : ValueConverter<Money, long>(money => money.Fen, fen => new Money(fen));
}

public sealed class SqliteMedicalAidDbContext(DbContextOptions<SqliteMedicalAidDbContext> options) : MedicalAidDbContext(options)
{
    /// <summary>SQLite has no timestamp type: instants are stored as UTC ticks so that they compare and sort in queries.</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }
}

public sealed class PostgresMedicalAidDbContext(DbContextOptions<PostgresMedicalAidDbContext> options) : MedicalAidDbContext(options);
