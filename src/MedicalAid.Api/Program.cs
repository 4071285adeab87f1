using MedicalAid.Api.Eligibility;
using MedicalAid.Api.Infrastructure;
using MedicalAid.Api.Settlements;

var builder = WebApplication.CreateBuilder(args);
builder.AddMedicalAidDatabase();
builder.Services.AddMedicalAidApi(builder.Configuration);

var app = builder.Build();
app.UseMedicalAidPipeline();
app.MapHealth();
app.MapEligibility();
app.MapSettlements();

await app.PrepareDatabaseAsync();
await app.RunAsync();
