// The rules of DESIGN §4–§6 as built, one named scenario each. docs/PROTOCOL.md cites these names.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "admin/calendar_file.h"
#include "crypto/certificate.h"
#include "crypto/hash.h"
#include "protocol/certificate_codec.h"
#include "protocol/record_codec.h"

#include "sync/supervision.h"
#include "testing/scenario.h"

namespace govbus {
namespace {

using testing::Scenario;
using T = CaseEventType;
constexpr int64_t kDay = kDayMs;

struct Spec {
  const char* name;
  std::function<void(Scenario&)> run;
};

void expectVoid(Scenario& s, const RecordRef& ref, VoidReason reason) {
  s.expectVerdict(ref, reason);
}
void expectValid(Scenario& s, const RecordRef& ref) { s.expectVerdict(ref, VoidReason::kNone); }

// Every lifecycle event type after `received`.
const std::vector<T>& lifecycleTypes() {
  static const std::vector<T> all = {T::kAccepted,
                                     T::kMaterialsRequested,
                                     T::kMaterialsSupplied,
                                     T::kStepCompleted,
                                     T::kSuspended,
                                     T::kResumed,
                                     T::kApproved,
                                     T::kDenied,
                                     T::kClosed,
                                     T::kWithdrawn,
                                     T::kTransferred};
  return all;
}

// An event of `type` with the fields it needs (a denial with reason and basis, a transfer to the
// case's city).
CaseEvent anEvent(const std::string& caseId, T type) {
  CaseEvent e = Scenario::event(caseId, type, type == T::kDenied ? "不符合条件" : "note");
  if (type == T::kTransferred) e.text = "430100";
  return e;
}

// Signs two different records of `author` at its next sequence, stores the first, and has
// `reporter` report the fork; returns the forked sequence.
uint64_t forkAndReport(Scenario& s, const std::string& author, const std::string& reporter) {
  Envelope e = s.network().nextEnvelope(author);
  e.frontier = s.frontier(author);
  e.wallTimeMs = s.now();  // not before the feed's previous record
  SignedRecord a =
      s.network().signAs(author, e, Complaint{"fork-a-" + author, "", author, "分叉 A"});
  SignedRecord b =
      s.network().signAs(author, e, Complaint{"fork-b-" + author, "", author, "分叉 B"});
  s.deliver({a});
  auto& n = s.network().node(author);
  n.seq = e.seq;
  n.lamport = e.lamport;
  n.lastId = blake2b256(a.body);
  expectValid(s, s.put(reporter, ForkReport{author, e.seq, a, b}));
  return e.seq;
}

// A county case of XK-COUNTY received and accepted at 芙蓉区.
RecordRef openCase(Scenario& s, const std::string& id, const std::string& item = "XK-COUNTY",
                   const std::string& handler = "430102", const std::string& region = "430102") {
  s.put(handler == region ? handler : region, Scenario::received(id, item, handler, region));
  return s.put(handler, Scenario::event(id, T::kAccepted));
}

// An instant in UTC+8, and the end (24:00 UTC+8) of a day.
int64_t at(int y, int m, int d, int hour = 10, int minute = 0) {
  return dayStartMs(*dayFromCivil({y, m, d})) + (hour * 60 + minute) * 60'000LL;
}
int64_t endOf(int y, int m, int d) { return dayStartMs(*dayFromCivil({y, m, d}) + 1); }

// A case of `item` received and accepted at 芙蓉区 at `when`; the acceptance's ref.
RecordRef clockCase(Scenario& s, const std::string& id, int64_t when,
                    const std::string& item = "XK-COUNTY") {
  s.put("430102", Scenario::received(id, item, "430102", "430102"), std::nullopt, when);
  return s.put("430102", Scenario::event(id, T::kAccepted), std::nullopt, when);
}

const HolidayCalendar& calendarOf(Scenario& s) {
  return s.replica().engine().authority().calendar();
}

// The province publishes the shipped 2026 calendar (data/calendar/cn-public-holidays.csv).
void publishCalendar2026(Scenario& s) {
  auto file = admin::readCalendarFile(std::filesystem::path(GOVBUS_TEST_DATA_DIR) / "calendar" /
                                      "cn-public-holidays.csv");
  ASSERT_TRUE(file.ok() && file->ok());
  for (const WorkingCalendar& y : file->years) {
    if (y.year == 2026) expectValid(s, s.put("430000", y));
  }
}

// `by` states it had stored `record`'s feed up to that record at `when`.
RecordRef witness(Scenario& s, const std::string& by, const RecordRef& record, int64_t when) {
  return s.put(by, Witness{{{record.author, record.seq}}}, std::nullopt, when);
}

const std::vector<Spec>& specs() {
  static const std::vector<Spec> all = {
      // ---------------- statutory holding and the handler rule ----------------
      {"CountyItemIsHandledByTheCountyItself",
       [](Scenario& s) {
         EXPECT_EQ(s.handler("XK-COUNTY", "430102"), "430102");
         EXPECT_EQ(s.handler("XK-COUNTY", "430211"), "430211");
       }},
      {"CityItemIsHandledByTheCityOfTheApplicant",
       [](Scenario& s) {
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430100");
         EXPECT_EQ(s.handler("XK-CITY", "430211"), "430200");
       }},
      {"ProvinceItemIsHandledByTheProvince",
       [](Scenario& s) { EXPECT_EQ(s.handler("XK-PROV", "430103"), "430000"); }},
      {"ProvinceAdministeredCountyHoldsCountyItems",
       [](Scenario& s) {
         EXPECT_EQ(s.handler("XK-COUNTY", "430181"), "430181");
         EXPECT_EQ(s.handler("XK-CITY", "430181"), "") << "no city above 浏阳市 in the tree";
       }},
      {"UnknownItemHasNoHandler",
       [](Scenario& s) { EXPECT_EQ(s.handler("XK-NONE", "430102"), ""); }},

      // ---------------- catalog ----------------
      {"CatalogItemByACityIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::item("XK-X", 3, 20, 10)),
                    VoidReason::kCatalogNotByProvince);
       }},
      {"PromisedLongerThanTwoThirdsOfLegalIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430000", Scenario::item("XK-A", 3, 20, 14)),
                    VoidReason::kPromisedExceedsTwoThirds);
         expectValid(s, s.put("430000", Scenario::item("XK-B", 3, 20, 13)));  // ⌊40/3⌋ = 13
       }},
      {"PromiseOfExactlyTwoThirdsOfTheLegalLimitIsValidAndOneDayMoreIsVoid",
       [](Scenario& s) {
         expectValid(s, s.put("430000", Scenario::item("XK-30", 3, 30, 20)));  // 2/3 × 30 = 20
         expectVoid(s, s.put("430000", Scenario::item("XK-30B", 3, 30, 21)),
                    VoidReason::kPromisedExceedsTwoThirds);
         expectValid(s, s.put("430000", Scenario::item("XK-3", 3, 3, 2)));
         expectVoid(s, s.put("430000", Scenario::item("XK-3B", 3, 3, 3)),
                    VoidReason::kPromisedExceedsTwoThirds);
         // ⌊2/3 × 1⌋ = 0: no promise can be short enough; zero days is no promise at all.
         expectVoid(s, s.put("430000", Scenario::item("XK-1", 3, 1, 1)),
                    VoidReason::kPromisedExceedsTwoThirds);
         expectVoid(s, s.put("430000", Scenario::item("XK-0", 3, 20, 0)),
                    VoidReason::kPromisedExceedsTwoThirds);
         expectVoid(s, s.put("430000", Scenario::item("XK-00", 3, 0, 0)),
                    VoidReason::kPromisedExceedsTwoThirds);
         // The same bound for an update.
         expectValid(
             s, s.put("430000", Scenario::item("XK-COUNTY", 3, 20, 13, true, CatalogOp::kUpdate)));
         expectVoid(
             s, s.put("430000", Scenario::item("XK-COUNTY", 3, 20, 14, true, CatalogOp::kUpdate)),
             VoidReason::kPromisedExceedsTwoThirds);
         EXPECT_EQ(s.replica().engine().authority().item("XK-COUNTY")->promisedDays, 13);
       }},
      {"CatalogItemWithAStatutoryDepthOutsideOneToFiveIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430000", Scenario::item("XK-D0", 0, 20, 10)),
                    VoidReason::kCatalogBadLevel);
         expectVoid(s, s.put("430000", Scenario::item("XK-D6", 6, 20, 10)),
                    VoidReason::kCatalogBadLevel);
         expectValid(s, s.put("430000", Scenario::item("XK-D1", 1, 20, 10)));
         expectValid(s, s.put("430000", Scenario::item("XK-D5", 5, 20, 10)));
         expectVoid(
             s, s.put("430000", Scenario::item("XK-COUNTY", 6, 20, 10, true, CatalogOp::kUpdate)),
             VoidReason::kCatalogBadLevel);
         EXPECT_EQ(s.handler("XK-COUNTY", "430102"), "430102");
       }},
      {"CatalogUpdateRaisingTheLevelIsVoid",
       [](Scenario& s) {
         auto up =
             s.put("430000", Scenario::item("XK-COUNTY", 2, 20, 10, true, CatalogOp::kUpdate));
         expectVoid(s, up, VoidReason::kCatalogRaisesLevel);
         EXPECT_EQ(s.handler("XK-COUNTY", "430102"), "430102") << "不得上收";
       }},
      {"CatalogUpdateLoweringTheLevelMovesTheHandlerDown",
       [](Scenario& s) {
         expectValid(
             s, s.put("430000", Scenario::item("XK-CITY", 3, 20, 12, true, CatalogOp::kUpdate)));
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430102");
       }},
      {"InsertingAnExistingItemIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430000", Scenario::item("XK-CITY", 2, 20, 12)),
                    VoidReason::kCatalogItemExists);
       }},
      {"UpdatingAnUnknownItemIsVoid",
       [](Scenario& s) {
         expectVoid(s,
                    s.put("430000", Scenario::item("XK-NEW", 2, 20, 12, true, CatalogOp::kUpdate)),
                    VoidReason::kUnknownItem);
       }},

      // ---------------- delegation ----------------
      {"ProvinceToCityToCountyChainMakesTheCountyTheHandler",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", /*redelegate=*/true));
         auto c = s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p));
         expectValid(s, p);
         expectValid(s, c);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430102");
         EXPECT_EQ(s.handler("XK-PROV", "430103"), "430100") << "天心区 was not delegated to";
         Explanation x = s.explain("XK-PROV", "430102");
         ASSERT_EQ(x.path.size(), 3u);
         EXPECT_EQ(x.path[2].chain, (std::vector<RecordRef>{p, c}));
       }},
      {"ReDelegationWithoutTheRightIsVoid",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", /*redelegate=*/false));
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p)),
                    VoidReason::kRedelegationNotAllowed);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430100");
       }},
      {"DelegationUpwardIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430102", Scenario::delegation("XK-COUNTY", "430100")),
                    VoidReason::kGranteeNotBelowAuthor);
       }},
      {"DelegationSidewaysIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-CITY", "430211")),
                    VoidReason::kGranteeNotBelowAuthor);
         expectVoid(s, s.put("430102", Scenario::delegation("XK-COUNTY", "430103")),
                    VoidReason::kGranteeNotBelowAuthor);
       }},
      {"DelegationByANodeThatDoesNotHoldTheItemIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102")),
                    VoidReason::kAuthorLacksAuthority);
       }},
      {"DelegationOfANonDelegableItemIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-FIXED", "430102")),
                    VoidReason::kItemNotDelegable);
       }},
      {"DelegationToAnUnenrolledNodeIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-CITY", "430104")),
                    VoidReason::kGranteeNotEnrolled);
       }},
      {"SubtreeDelegationReachesEveryCountyBelow",
       [](Scenario& s) {
         s.put("430000", Scenario::delegation("XK-PROV", "430100", false, std::nullopt,
                                              DelegationScope::kSubtree));
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430102");
         EXPECT_EQ(s.handler("XK-PROV", "430103"), "430103");
         EXPECT_EQ(s.handler("XK-PROV", "430211"), "430000") << "株洲 is outside the subtree";
       }},
      {"NodeDelegationReachesOnlyTheGrantee",
       [](Scenario& s) {
         s.put("430000", Scenario::delegation("XK-PROV", "430100"));
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430100");
       }},
      {"ReDelegationOutlivingItsParentIsVoid",
       [](Scenario& s) {
         Delegation parent = Scenario::delegation("XK-PROV", "430100", true);
         parent.validUntilMs = testing::kTestEpochMs + 30 * kDay;
         auto p = s.put("430000", parent);
         Delegation child = Scenario::delegation("XK-PROV", "430102", false, p);
         child.validUntilMs = 0;  // open-ended under a bounded parent
         expectVoid(s, s.put("430100", child), VoidReason::kPeriodOutsideParent);
       }},
      {"ExpiredDelegationNoLongerMakesAHandler",
       [](Scenario& s) {
         Delegation d = Scenario::delegation("XK-CITY", "430102");
         d.validUntilMs = testing::kTestEpochMs + 10 * kDay;
         s.put("430100", d);
         EXPECT_EQ(s.handler("XK-CITY", "430102", testing::kTestEpochMs + kDay), "430102");
         EXPECT_EQ(s.handler("XK-CITY", "430102", testing::kTestEpochMs + 11 * kDay), "430100");
       }},
      {"ReDelegationNamingAParentItsAuthorHadNotSeenIsVoid",
       [](Scenario& s) {
         Frontier before = s.frontier("430100");
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p), before),
                    VoidReason::kParentNotSeen);
       }},

      {"DelegationOfAnItemItsAuthorHadNotSeenIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", Scenario::delegation("XK-NONE", "430102")),
                    VoidReason::kUnknownItem);
         Frontier before = s.frontier("430100");
         s.put("430000", Scenario::item("XK-NEWCITY", 2, 20, 10));
         expectVoid(s, s.put("430100", Scenario::delegation("XK-NEWCITY", "430102"), before),
                    VoidReason::kUnknownItem);
         expectValid(s, s.put("430100", Scenario::delegation("XK-NEWCITY", "430102")));
       }},
      {"ReDelegationNamingNoStoredDelegationIsVoid",
       [](Scenario& s) {
         RecordRef catalogRecord = s.replica().engine().authority().item("XK-PROV")->ref;
         expectVoid(
             s, s.put("430100", Scenario::delegation("XK-PROV", "430102", false, catalogRecord)),
             VoidReason::kParentUnknown);
         expectVoid(s,
                    s.put("430100", Scenario::delegation("XK-PROV", "430102", false,
                                                         RecordRef{"430000", 999})),
                    VoidReason::kParentUnknown);
       }},
      {"ReDelegationUnderAParentForAnotherItemOrGranteeIsVoid",
       [](Scenario& s) {
         auto toZhuzhou = s.put("430000", Scenario::delegation("XK-PROV", "430200", true));
         expectVoid(s, s.put("430100", Scenario::delegation("XK-PROV", "430102", false, toZhuzhou)),
                    VoidReason::kAuthorLacksAuthority);
         auto toChangsha = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         expectVoid(s,
                    s.put("430100", Scenario::delegation("XK-COUNTY", "430102", false, toChangsha)),
                    VoidReason::kAuthorLacksAuthority);
         expectValid(s,
                     s.put("430100", Scenario::delegation("XK-PROV", "430102", false, toChangsha)));
       }},
      {"ReDelegationUnderAStructurallyVoidParentIsVoid",
       [](Scenario& s) {
         // The province is not the statutory holder of a county item: its delegation is void…
         auto parent = s.put("430000", Scenario::delegation("XK-COUNTY", "430100", true));
         expectVoid(s, parent, VoidReason::kAuthorLacksAuthority);
         // …and so is everything chained below it.
         expectVoid(s, s.put("430100", Scenario::delegation("XK-COUNTY", "430102", false, parent)),
                    VoidReason::kParentVoid);
       }},
      {"DelegationIsInEffectFromItsFirstToItsLastMillisecond",
       [](Scenario& s) {
         const int64_t from = testing::kTestEpochMs + 10 * kDay, until = from + 5 * kDay;
         Delegation d = Scenario::delegation("XK-CITY", "430102");
         d.validFromMs = from;
         d.validUntilMs = until;
         expectValid(s, s.put("430100", d));
         EXPECT_EQ(s.handler("XK-CITY", "430102", from - 1), "430100");
         EXPECT_EQ(s.handler("XK-CITY", "430102", from), "430102");
         EXPECT_EQ(s.handler("XK-CITY", "430102", until), "430102");
         EXPECT_EQ(s.handler("XK-CITY", "430102", until + 1), "430100");
       }},
      {"ReDelegationPeriodMustLieInsideItsParentsToTheMillisecond",
       [](Scenario& s) {
         const int64_t from = testing::kTestEpochMs, until = from + 30 * kDay;
         Delegation parent = Scenario::delegation("XK-PROV", "430100", true);
         parent.validFromMs = from;
         parent.validUntilMs = until;
         auto p = s.put("430000", parent);
         auto child = [&](int64_t f, int64_t u) {
           Delegation c = Scenario::delegation("XK-PROV", "430102", false, p);
           c.validFromMs = f;
           c.validUntilMs = u;
           return s.put("430100", c);
         };
         expectValid(s, child(from, until));
         expectVoid(s, child(from - 1, until), VoidReason::kPeriodOutsideParent);
         expectVoid(s, child(from, until + 1), VoidReason::kPeriodOutsideParent);
         expectVoid(s, child(from, 0), VoidReason::kPeriodOutsideParent);
         // Under an open-ended parent, an open-ended child is inside.
         auto open = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         Delegation c = Scenario::delegation("XK-PROV", "430103", false, open);
         c.validFromMs = testing::kTestEpochMs - testing::kYearMs - 1;  // before the parent starts
         expectVoid(s, s.put("430100", c), VoidReason::kPeriodOutsideParent);
         c.validFromMs = testing::kTestEpochMs - testing::kYearMs;
         expectValid(s, s.put("430100", c));
       }},

      // ---------------- revocation ----------------
      {"RevocationCascadesDownTheChain",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         auto c = s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p));
         auto valid = [&] {
           std::vector<RecordRef> out;
           for (const AuthorityRecord* r : s.replica().engine().authority().validDelegations())
             out.push_back(r->ref);
           return out;
         };
         EXPECT_EQ(valid(), (std::vector<RecordRef>{p, c}));
         s.put("430000", DelegationRevocation{p, false, "收回"});
         expectVoid(s, p, VoidReason::kRevoked);
         expectVoid(s, c, VoidReason::kParentRevoked);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430000");
         EXPECT_TRUE(valid().empty()) << "the board lists no revoked delegation";
       }},
      {"RevocationByTheGrantorsAncestorIsValid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         auto r = s.put("430000", DelegationRevocation{d, false, "省级收回"});
         expectValid(s, r);
         expectVoid(s, d, VoidReason::kRevoked);
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430100");
       }},
      {"RevocationByAnUnrelatedNodeIsVoid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         expectVoid(s, s.put("430200", DelegationRevocation{d, false, ""}),
                    VoidReason::kRevokerNotGrantorOrAncestor);
         expectVoid(s, s.put("430102", DelegationRevocation{d, false, ""}),
                    VoidReason::kRevokerNotGrantorOrAncestor);
         expectValid(s, d);
       }},
      {"StatutoryAuthorityCannotBeRevoked",
       [](Scenario& s) {
         // A revocation can only name a delegation; naming the catalog record that makes the
         // county the statutory holder of XK-COUNTY is void, and the county keeps the item.
         RecordRef catalogRecord = s.replica().engine().authority().item("XK-COUNTY")->ref;
         expectVoid(s, s.put("430000", DelegationRevocation{catalogRecord, false, "上收"}),
                    VoidReason::kRevocationTargetUnknown);
         expectVoid(s, s.put("430100", DelegationRevocation{catalogRecord, false, "上收"}),
                    VoidReason::kRevocationTargetUnknown);
         expectVoid(s, s.put("430000", DelegationRevocation{RecordRef{"430000", 999}, false, ""}),
                    VoidReason::kRevocationTargetUnknown);
         for (const char* county : {"430102", "430103", "430211", "430181"})
           EXPECT_EQ(s.handler("XK-COUNTY", county), county) << "不得上收";
         EXPECT_TRUE(s.explain("XK-COUNTY", "430102").path.back().statutory);
       }},
      {"ConcurrentRevocationBeatsSubDelegation",
       [](Scenario& s) {
         auto p = s.put("430000", Scenario::delegation("XK-PROV", "430100", true));
         Frontier sawGrantOnly = s.frontier("430100");
         s.put("430000", DelegationRevocation{p, false, ""});
         // 长沙市 re-delegates without having seen the revocation: the ancestor wins.
         auto c =
             s.put("430100", Scenario::delegation("XK-PROV", "430102", false, p), sawGrantOnly);
         expectVoid(s, c, VoidReason::kParentRevoked);
         EXPECT_EQ(s.handler("XK-PROV", "430102"), "430000");
       }},

      // ---------------- cases ----------------
      {"CaseLifecycleRunsToClosed",
       [](Scenario& s) {
         openCase(s, "430102-1");
         for (T t : {T::kStepCompleted, T::kApproved, T::kClosed}) {
           expectValid(s, s.put("430102", Scenario::event("430102-1", t, "XK-2026-0001")));
         }
         CaseSummary c = s.caseOf("430102-1");
         EXPECT_EQ(c.status, CaseStatus::kClosed);
         EXPECT_EQ(c.validEvents, 5u);
       }},
      {"ApprovalBeforeAcceptanceIsAnIllegalTransition",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-2", "XK-COUNTY", "430102", "430102"));
         expectVoid(s, s.put("430102", Scenario::event("430102-2", T::kApproved)),
                    VoidReason::kIllegalTransition);
         expectVoid(s, s.put("430102", Scenario::event("430102-2", T::kClosed)),
                    VoidReason::kIllegalTransition);
         expectVoid(s, s.put("430102", Scenario::event("430102-2", T::kResumed)),
                    VoidReason::kIllegalTransition);
         EXPECT_EQ(s.caseOf("430102-2").status, CaseStatus::kReceived);
       }},
      {"EventsAfterClosingAreIllegal",
       [](Scenario& s) {
         openCase(s, "430102-3");
         s.put("430102", Scenario::event("430102-3", T::kApproved, "L-1"));
         s.put("430102", Scenario::event("430102-3", T::kClosed));
         expectVoid(s, s.put("430102", Scenario::event("430102-3", T::kWithdrawn)),
                    VoidReason::kIllegalTransition);
         expectVoid(
             s, s.put("430102", Scenario::received("430102-3", "XK-COUNTY", "430102", "430102")),
             VoidReason::kCaseAlreadyReceived);
       }},
      {"ACaseIdBelongsToItsReceiverWhateverTheArrivalOrder",
       [](Scenario& s) {
         // 天心区 is under the same handler (长沙市) for XK-CITY. Its `received` for 芙蓉区's id
         // comes first and sorts first, yet neither opens the case nor blocks the owner's.
         auto intruder =
             s.put("430103", Scenario::received("430102-50", "XK-CITY", "430100", "430103"));
         auto owner =
             s.put("430102", Scenario::received("430102-50", "XK-CITY", "430100", "430102"));
         expectVoid(s, intruder, VoidReason::kCaseIdNotReceivers);
         expectValid(s, owner);
         EXPECT_EQ(s.caseOf("430102-50").receiver, "430102");
         EXPECT_EQ(s.caseOf("430102-50").region, "430102");
         // After the owner, the intruder is void for the same reason, not as a second `received`.
         expectVoid(s,
                    s.put("430103", Scenario::received("430102-50", "XK-CITY", "430100", "430103")),
                    VoidReason::kCaseIdNotReceivers);
         // An id without the receiver's code and a dash is nobody's.
         for (const char* id : {"K-1", "430102", "430102-", "4301020-1"}) {
           expectVoid(s, s.put("430102", Scenario::received(id, "XK-COUNTY", "430102", "430102")),
                      VoidReason::kCaseIdNotReceivers);
         }
       }},
      {"WithdrawalStopsAnOpenCase",
       [](Scenario& s) {
         auto accepted = openCase(s, "430102-4");
         int64_t from = decodeRecordBody(s.history().back().body)->envelope.wallTimeMs;
         (void)accepted;
         auto withdrawn = s.put("430102", Scenario::event("430102-4", T::kWithdrawn, "申请人撤回"));
         expectValid(s, withdrawn);
         int64_t at = decodeRecordBody(s.history().back().body)->envelope.wallTimeMs;
         CaseSummary c = s.caseOf("430102-4");
         EXPECT_EQ(c.status, CaseStatus::kWithdrawn);
         EXPECT_EQ(c.endedAtMs, at);
         Deadline d = deadlineAt(c, at + 30 * kDay, calendarOf(s));
         EXPECT_EQ(d.usedMs, deadlineAt(c, at, calendarOf(s)).usedMs)
             << "the clock stopped at the withdrawal";
         EXPECT_GE(at, from);
         EXPECT_EQ(d.card, Card::kNone);
       }},
      {"OnlyTheHandlerAuthorsLifecycleEvents",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-5", "XK-COUNTY", "430102", "430102"));
         expectVoid(s, s.put("430103", Scenario::event("430102-5", T::kAccepted)),
                    VoidReason::kNotTheHandler);
         expectVoid(s, s.put("430100", Scenario::event("430102-5", T::kAccepted)),
                    VoidReason::kNotTheHandler);
       }},
      {"EventForAnUnknownCaseIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430102", Scenario::event("430102-404", T::kAccepted)),
                    VoidReason::kUnknownCase);
       }},
      {"CountyWindowReceivesACityCase",
       [](Scenario& s) {
         expectValid(
             s, s.put("430102", Scenario::received("430102-6", "XK-CITY", "430100", "430102")));
         expectValid(s, s.put("430100", Scenario::event("430102-6", T::kAccepted)));
         EXPECT_EQ(s.caseOf("430102-6").handler, "430100");
         EXPECT_EQ(s.caseOf("430102-6").receiver, "430102");
       }},
      {"AcceptanceWithoutAuthorityIsVoid",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-7", "XK-CITY", "430102", "430102"));
         expectVoid(s, s.put("430102", Scenario::event("430102-7", T::kAccepted)),
                    VoidReason::kHandlerLacksAuthority);
       }},
      {"HolderAboveTheNearestOneMayNotAcceptTheCase",
       [](Scenario& s) {
         // 长沙市 delegated XK-CITY to 芙蓉区, so 芙蓉区 is the nearest holder (就近办理).
         s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-40", "XK-CITY", "430100", "430102"));
         expectVoid(s, s.put("430100", Scenario::event("430102-40", T::kAccepted)),
                    VoidReason::kNotTheNearestHolder);
         // Handing the case to the nearest holder puts it right.
         expectValid(s, s.put("430100", Scenario::event("430102-40", T::kTransferred, "430102")));
         expectValid(s, s.put("430102", Scenario::event("430102-40", T::kAccepted)));
       }},
      {"ACaseTransferredUpByTheNearestHolderIsAcceptedByItsNewHandler",
       [](Scenario& s) {
         // 芙蓉区 holds XK-CITY by delegation, so it is the nearest holder; it hands a case to
         // 长沙市, which may then accept it although it is not the nearest (就近办理 yields to an
         // explicit transfer).
         s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-70", "XK-CITY", "430102", "430102"));
         expectValid(s, s.put("430102", Scenario::event("430102-70", T::kTransferred, "430100")));
         expectValid(s, s.put("430100", Scenario::event("430102-70", T::kAccepted)));
         EXPECT_EQ(s.caseOf("430102-70").status, CaseStatus::kUnderReview);
         // The same by an order from above.
         auto received =
             s.put("430102", Scenario::received("430102-71", "XK-CITY", "430102", "430102"));
         expectValid(s, s.put("430000", Scenario::order("430102-71", OrderKind::kTransfer, received,
                                                        "430100")));
         expectValid(s, s.put("430100", Scenario::event("430102-71", T::kAccepted)));
       }},
      {"TwelveDigitVillageCodesAuthorAndHandleCases",
       [](Scenario& s) {
         // 芙蓉区 → a township (9 digits) → a village (12 digits): the longest codes are keys of
         // the state too (refs pad authors to 12 bytes).
         s.network().enroll("430102001", "430102");
         s.network().enroll("430102001001", "430102001");
         s.put("430102", s.network().node("430102001").certificate);
         s.put("430102001", s.network().node("430102001001").certificate);
         s.put("430000", Scenario::item("XK-VILLAGE", 5, 20, 10));
         const std::string v = "430102001001";
         expectValid(s, s.put(v, Scenario::received(v + "-1", "XK-VILLAGE", v, v)));
         expectValid(s, s.put(v, Scenario::event(v + "-1", T::kAccepted)));
         expectVoid(s, s.put(v, Scenario::event(v + "-1", T::kClosed)),
                    VoidReason::kIllegalTransition);
         EXPECT_EQ(s.caseOf(v + "-1").handler, v);
         auto view = s.replica().store().beginRead();
         auto refs = StateEngine::caseRecords(**view, v + "-1");
         ASSERT_TRUE(refs.ok());
         ASSERT_EQ(refs->size(), 3u);
         EXPECT_EQ((*refs)[0].author, v);
         std::vector<RecordRef> voids;
         (void)StateEngine::forEachVoid(**view, [&](const RecordRef& r, VoidReason) {
           voids.push_back(r);
           return true;
         });
         EXPECT_NE(std::find(voids.begin(), voids.end(), (*refs)[2]), voids.end())
             << "the void record is listed under its full 12-digit author";
       }},
      {"CityCannotTakeOverAProvinceAdministeredCountyByReEnrolment",
       [](Scenario& s) {
         Certificate c = *decodeCertificateBody(s.network().node("430181").certificate.body);
         c.issuer = "430100";
         c.serial = 2;
         c.issuerSerial = 1;
         c.publicKey = toBytes(SigningKey::generate().publicKey().bytes());
         auto takeover = s.put("430100", issueCertificate(c, s.network().node("430100").key));
         expectVoid(s, takeover, VoidReason::kCertificateNotByIssuer);
         EXPECT_EQ(s.replica().engine().authority().parentOf("430181"), "430000");
         auto admitted =
             s.replica().trust().admit(issueCertificate(c, s.network().node("430100").key));
         EXPECT_FALSE(admitted.ok()) << "the door refuses it too";
       }},
      {"AnAncestorCannotTakeOverANodeByEnrollingItAtTheSameSerial",
       [](Scenario& s) {
         // 430103 is enrolled by 长沙市 at serial 1; the province signs serial 1 too, same key.
         Certificate c = *decodeCertificateBody(s.network().node("430103").certificate.body);
         c.issuer = "430000";
         c.issuerSerial = 1;
         SignedCertificate again = issueCertificate(c, s.network().node("430000").key);
         auto takeover = s.put("430000", again);
         expectVoid(s, takeover, VoidReason::kCertificateNotByIssuer);
         EXPECT_EQ(s.replica().engine().authority().parentOf("430103"), "430100")
             << "the nearest issuer wins a tie, not the first record by ref";
         // The city still delegates to it.
         expectValid(s, s.put("430100", Scenario::delegation("XK-CITY", "430103")));
         EXPECT_FALSE(s.replica().trust().admit(again).ok()) << "the door refuses it too";
       }},
      {"AcceptanceUnderDelegatedAuthorityIsValid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-8", "XK-CITY", "430102", "430102", d));
         expectValid(s, s.put("430102", Scenario::event("430102-8", T::kAccepted)));
       }},
      {"GoodFaithAcceptanceUnderAnUnseenRevocationIsKeptAndFlagged",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-9", "XK-CITY", "430102", "430102", d));
         Frontier before = s.frontier("430102");
         auto r = s.put("430100", DelegationRevocation{d, false, "收回"});
         auto acc = s.put("430102", Scenario::event("430102-9", T::kAccepted), before);
         expectValid(s, acc);
         CaseSummary c = s.caseOf("430102-9");
         EXPECT_TRUE(c.authorityConflict);
         EXPECT_EQ(c.conflictRevocation, r);
         EXPECT_EQ(c.handler, "430102") << "without transfer_pending the case stays";
       }},
      {"TransferPendingRevocationMovesTheGoodFaithCase",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-10", "XK-CITY", "430102", "430102", d));
         Frontier before = s.frontier("430102");
         s.put("430100", DelegationRevocation{d, true, "收回并移交"});
         s.put("430102", Scenario::event("430102-10", T::kAccepted), before);
         EXPECT_EQ(s.caseOf("430102-10").handler, "430100");
         // The old handler, once it has seen the revocation, is no longer the handler.
         expectVoid(s, s.put("430102", Scenario::event("430102-10", T::kApproved, "L")),
                    VoidReason::kNotTheHandler);
         expectValid(s, s.put("430100", Scenario::event("430102-10", T::kApproved, "L")));
       }},
      {"AcceptanceTheRevokerHadSeenIsNotAConflict",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-41", "XK-CITY", "430102", "430102", d));
         s.put("430102", Scenario::event("430102-41", T::kAccepted));
         // 长沙市 revokes having seen 芙蓉区's feed up to the acceptance: not concurrent.
         Frontier sawCounty = s.frontier("430100");
         sawCounty.push_back({"430102", s.network().node("430102").seq});
         std::sort(sawCounty.begin(), sawCounty.end());
         s.put("430100", DelegationRevocation{d, false, "到期收回"}, sawCounty);
         EXPECT_FALSE(s.caseOf("430102-41").authorityConflict);
         EXPECT_EQ(s.caseOf("430102-41").handler, "430102");
       }},
      {"AcceptanceAfterSeeingTheRevocationIsVoid",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         s.put("430102", Scenario::received("430102-11", "XK-CITY", "430102", "430102", d));
         s.put("430100", DelegationRevocation{d, false, ""});
         expectVoid(s, s.put("430102", Scenario::event("430102-11", T::kAccepted)),
                    VoidReason::kHandlerLacksAuthority);
       }},
      {"DenialWithoutReasonAndBasisIsRefused",
       [](Scenario& s) {
         openCase(s, "430102-12");
         expectVoid(s, s.put("430102", Scenario::event("430102-12", T::kDenied, "")),
                    VoidReason::kDenialWithoutReason);
         CaseEvent reasonOnly = Scenario::event("430102-12", T::kDenied, "材料不实");
         reasonOnly.legalBasis.clear();
         expectVoid(s, s.put("430102", reasonOnly), VoidReason::kDenialWithoutReason);
         CaseEvent basisOnly = Scenario::event("430102-12", T::kDenied, "材料不实");
         basisOnly.reason.clear();
         expectVoid(s, s.put("430102", basisOnly), VoidReason::kDenialWithoutReason);
         EXPECT_EQ(s.caseOf("430102-12").status, CaseStatus::kUnderReview);
         expectValid(s, s.put("430102", Scenario::event("430102-12", T::kDenied, "材料不实")));
         EXPECT_TRUE(s.caseOf("430102-12").denied);
       }},

      {"ReceivingACaseForAnItemTheWindowHadNotSeenIsVoid",
       [](Scenario& s) {
         expectVoid(s,
                    s.put("430102", Scenario::received("430102-50", "XK-NONE", "430102", "430102")),
                    VoidReason::kUnknownItem);
         Frontier before = s.frontier("430102");
         s.put("430000", Scenario::item("XK-NEWCOUNTY", 3, 20, 10));
         expectVoid(
             s,
             s.put("430102", Scenario::received("430102-51", "XK-NEWCOUNTY", "430102", "430102"),
                   before),
             VoidReason::kUnknownItem);
         expectValid(s, s.put("430102",
                              Scenario::received("430102-52", "XK-NEWCOUNTY", "430102", "430102")));
       }},
      {"ReceivedNamingAHandlerOffTheRegionPathIsVoid",
       [](Scenario& s) {
         // The handler must be the applicant's region or its ancestor in the tree.
         expectVoid(
             s, s.put("430102", Scenario::received("430102-53", "XK-COUNTY", "430103", "430102")),
             VoidReason::kHandlerNotOnRegionPath);
         expectVoid(s,
                    s.put("430102", Scenario::received("430102-54", "XK-CITY", "430200", "430102")),
                    VoidReason::kHandlerNotOnRegionPath);
         expectVoid(  // 430104 is not enrolled: no path reaches it
             s, s.put("430102", Scenario::received("430102-55", "XK-CITY", "430100", "430104")),
             VoidReason::kHandlerNotOnRegionPath);
         expectValid(
             s, s.put("430102", Scenario::received("430102-56", "XK-PROV", "430000", "430102")));
       }},
      {"ReceiverOutsideTheHandlersSubtreeIsVoid",
       [](Scenario& s) {
         // 天元区 (株洲) takes an application for a 长沙 region: 长沙市 is on the region's path but
         // the window is not under it.
         expectVoid(s,
                    s.put("430211", Scenario::received("430211-57", "XK-CITY", "430100", "430102")),
                    VoidReason::kReceiverNotUnderHandler);
         expectVoid(
             s, s.put("430103", Scenario::received("430103-58", "XK-COUNTY", "430102", "430102")),
             VoidReason::kReceiverNotUnderHandler);
         // 天心区, under 长沙市, may (收件转办).
         expectValid(
             s, s.put("430103", Scenario::received("430103-59", "XK-CITY", "430100", "430102")));
       }},
      {"TransferToTheHandlerItselfOrOffTheRegionPathIsVoid",
       [](Scenario& s) {
         openCase(s, "430102-60");
         for (const char* target : {"430102", "430103", "430211", "430200", "430104"}) {
           expectVoid(s, s.put("430102", Scenario::event("430102-60", T::kTransferred, target)),
                      VoidReason::kHandlerNotOnRegionPath);
         }
         EXPECT_EQ(s.caseOf("430102-60").handler, "430102");
         expectValid(s, s.put("430102", Scenario::event("430102-60", T::kTransferred, "430100")));
         EXPECT_EQ(s.caseOf("430102-60").handler, "430100");
       }},
      {"EveryLifecycleEventByAnotherNodeThanTheHandlerIsVoid",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-61", "XK-COUNTY", "430102", "430102"));
         for (T type : lifecycleTypes()) {
           for (const char* author : {"430103", "430100"}) {
             expectVoid(s, s.put(author, anEvent("430102-61", type)), VoidReason::kNotTheHandler);
           }
         }
         EXPECT_EQ(s.caseOf("430102-61").status, CaseStatus::kReceived);
         EXPECT_EQ(s.caseOf("430102-61").validEvents, 1u);
       }},
      {"EveryEventForAnUnknownCaseIsVoid",
       [](Scenario& s) {
         for (T type : lifecycleTypes()) {
           expectVoid(s, s.put("430102", anEvent("430102-404", type)), VoidReason::kUnknownCase);
         }
         // An order names the event it saw; without one it judges a case before it exists.
         openCase(s, "430102-62");
         expectVoid(s,
                    s.put("430100", Scenario::order("430102-62", OrderKind::kUrge, std::nullopt)),
                    VoidReason::kUnknownCase);
         EXPECT_EQ(s.caseOf("430102-62").urges, 0u);
       }},
      {"EveryEventNotAllowedInTheCasesStateIsAnIllegalTransition",
       [](Scenario& s) {
         // Received: only acceptance, withdrawal and transfer are allowed.
         s.put("430102", Scenario::received("430102-63", "XK-COUNTY", "430102", "430102"));
         for (T type : {T::kMaterialsRequested, T::kMaterialsSupplied, T::kStepCompleted,
                        T::kSuspended, T::kResumed, T::kApproved, T::kDenied, T::kClosed}) {
           expectVoid(s, s.put("430102", anEvent("430102-63", type)),
                      VoidReason::kIllegalTransition);
         }
         // Under review: a second acceptance, supplying or resuming unasked, closing undecided.
         s.put("430102", Scenario::event("430102-63", T::kAccepted));
         for (T type : {T::kAccepted, T::kMaterialsSupplied, T::kResumed, T::kClosed}) {
           expectVoid(s, s.put("430102", anEvent("430102-63", type)),
                      VoidReason::kIllegalTransition);
         }
         // Awaiting materials: nothing but supplying them, withdrawal or transfer.
         s.put("430102", Scenario::event("430102-63", T::kMaterialsRequested));
         for (T type : {T::kMaterialsRequested, T::kStepCompleted, T::kSuspended, T::kApproved}) {
           expectVoid(s, s.put("430102", anEvent("430102-63", type)),
                      VoidReason::kIllegalTransition);
         }
         EXPECT_EQ(s.caseOf("430102-63").status, CaseStatus::kAwaitingMaterials);
         // Decided: only closing.
         s.put("430102", Scenario::event("430102-63", T::kMaterialsSupplied));
         s.put("430102", Scenario::event("430102-63", T::kApproved, "L"));
         for (T type : {T::kWithdrawn, T::kTransferred, T::kApproved, T::kSuspended}) {
           expectVoid(s, s.put("430102", anEvent("430102-63", type)),
                      VoidReason::kIllegalTransition);
         }
         expectValid(s, s.put("430102", Scenario::event("430102-63", T::kClosed)));
       }},
      {"EveryHandlerEventAHaltForbidsIsVoidSeenOrNot",
       [](Scenario& s) {
         // For each event a halt blocks, one case where the handler had seen the halt and one
         // where it had not; the case is brought to the state the event needs first.
         int n = 0;
         for (T type : {T::kAccepted, T::kStepCompleted, T::kApproved, T::kDenied, T::kClosed}) {
           for (bool seen : {true, false}) {
             std::string id = "430102-h" + std::to_string(n++);
             auto last = s.put("430102", Scenario::received(id, "XK-COUNTY", "430102", "430102"));
             if (type != T::kAccepted) last = s.put("430102", Scenario::event(id, T::kAccepted));
             if (type == T::kClosed) last = s.put("430102", Scenario::event(id, T::kApproved, "L"));
             Frontier before = s.frontier("430102");
             expectValid(s, s.put("430100", Scenario::order(id, OrderKind::kHalt, last)));
             auto event = seen ? s.put("430102", anEvent(id, type))
                               : s.put("430102", anEvent(id, type), before);
             expectVoid(s, event,
                        seen ? VoidReason::kContradictsHaltOrder
                             : VoidReason::kContradictsUnseenHaltOrder);
             EXPECT_TRUE(s.caseOf(id).halted);
           }
         }
       }},

      // ---------------- supervision orders ----------------
      {"HaltOrderBeatsAConcurrentApproval",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-13");
         Frontier before = s.frontier("430102");
         expectValid(s, s.put("430000", Scenario::order("430102-13", OrderKind::kHalt, acc)));
         auto approve = s.put("430102", Scenario::event("430102-13", T::kApproved, "L"), before);
         expectVoid(s, approve, VoidReason::kContradictsUnseenHaltOrder);
         EXPECT_TRUE(s.caseOf("430102-13").halted);
       }},
      {"ApprovalAfterSeeingTheHaltIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-14");
         s.put("430100", Scenario::order("430102-14", OrderKind::kHalt, acc));
         expectVoid(s, s.put("430102", Scenario::event("430102-14", T::kApproved, "L")),
                    VoidReason::kContradictsHaltOrder);
         expectValid(s, s.put("430102", Scenario::event("430102-14", T::kSuspended, "待上级意见")));
       }},
      {"CorrectionOrderReopensTheReview",
       [](Scenario& s) {
         openCase(s, "430102-15");
         auto approved = s.put("430102", Scenario::event("430102-15", T::kApproved, "L"));
         expectValid(s,
                     s.put("430100", Scenario::order("430102-15", OrderKind::kCorrect, approved)));
         EXPECT_EQ(s.caseOf("430102-15").status, CaseStatus::kUnderReview);
         expectValid(s,
                     s.put("430102", Scenario::event("430102-15", T::kDenied, "复核不符合条件")));
       }},
      {"CorrectionWithNothingToCorrectIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-16");
         expectVoid(s, s.put("430100", Scenario::order("430102-16", OrderKind::kCorrect, acc)),
                    VoidReason::kOrderNothingToCorrect);
       }},
      {"TransferOrderMovesTheCaseToTheNewHandler",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-17");
         Frontier before = s.frontier("430102");
         expectValid(
             s, s.put("430100", Scenario::order("430102-17", OrderKind::kTransfer, acc, "430100")));
         expectVoid(s, s.put("430102", Scenario::event("430102-17", T::kApproved, "L"), before),
                    VoidReason::kNotTheHandler);
         expectValid(s, s.put("430100", Scenario::event("430102-17", T::kApproved, "L")));
         EXPECT_EQ(s.caseOf("430102-17").handler, "430100");
       }},
      {"OrderFromANonAncestorIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-18");
         expectVoid(s, s.put("430200", Scenario::order("430102-18", OrderKind::kUrge, acc)),
                    VoidReason::kOrderNotByAncestor);
         expectVoid(s, s.put("430103", Scenario::order("430102-18", OrderKind::kHalt, acc)),
                    VoidReason::kOrderNotByAncestor);
       }},
      {"UrgeOrdersAreCounted",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-19");
         s.put("430100", Scenario::order("430102-19", OrderKind::kUrge, acc));
         s.put("430000", Scenario::order("430102-19", OrderKind::kUrge, acc));
         EXPECT_EQ(s.caseOf("430102-19").urges, 2u);
       }},
      {"OrderNamingAnEventOutsideTheCaseIsVoid",
       [](Scenario& s) {
         openCase(s, "430102-20");
         expectVoid(s,
                    s.put("430100",
                          Scenario::order("430102-20", OrderKind::kUrge, RecordRef{"430103", 1})),
                    VoidReason::kOrderLastSeenNotInCase);
       }},

      {"UrgeHaltOrTransferOnAClosedOrWithdrawnCaseIsVoid",
       [](Scenario& s) {
         openCase(s, "430102-64");
         s.put("430102", Scenario::event("430102-64", T::kApproved, "L"));
         auto closed = s.put("430102", Scenario::event("430102-64", T::kClosed));
         expectVoid(s, s.put("430100", Scenario::order("430102-64", OrderKind::kUrge, closed)),
                    VoidReason::kOrderOnFinalCase);
         expectVoid(s, s.put("430100", Scenario::order("430102-64", OrderKind::kHalt, closed)),
                    VoidReason::kOrderOnFinalCase);
         expectVoid(
             s,
             s.put("430100", Scenario::order("430102-64", OrderKind::kTransfer, closed, "430100")),
             VoidReason::kOrderOnFinalCase);
         // 纠错 may reopen a closed case.
         expectValid(s, s.put("430100", Scenario::order("430102-64", OrderKind::kCorrect, closed)));
         EXPECT_EQ(s.caseOf("430102-64").status, CaseStatus::kUnderReview);

         openCase(s, "430102-65");
         auto withdrawn = s.put("430102", Scenario::event("430102-65", T::kWithdrawn, "撤回"));
         expectVoid(s, s.put("430000", Scenario::order("430102-65", OrderKind::kUrge, withdrawn)),
                    VoidReason::kOrderOnFinalCase);
         expectVoid(s,
                    s.put("430000", Scenario::order("430102-65", OrderKind::kCorrect, withdrawn)),
                    VoidReason::kOrderNothingToCorrect);
         EXPECT_EQ(s.caseOf("430102-65").status, CaseStatus::kWithdrawn);
       }},
      {"TransferOrderToABadTargetIsVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-66");
         // Missing; below the issuer but off the region's path; above the issuer; another city.
         for (const char* target : {"", "430103", "430000", "430200"}) {
           expectVoid(
               s, s.put("430100", Scenario::order("430102-66", OrderKind::kTransfer, acc, target)),
               VoidReason::kOrderBadTransferTarget);
         }
         EXPECT_EQ(s.caseOf("430102-66").handler, "430102");
         expectValid(
             s, s.put("430000", Scenario::order("430102-66", OrderKind::kTransfer, acc, "430100")));
         EXPECT_EQ(s.caseOf("430102-66").handler, "430100");
       }},

      // ---------------- deadlines and cards ----------------
      {"MaterialsRequestPausesTheClock",
       [](Scenario& s) {
         // Working days, Monday–Friday (no calendar yet). Accepted Mon 03-02; materials requested
         // Wed 03-04, supplied Mon 03-09 afternoon: Thu, Fri and Mon were paused at their start.
         clockCase(s, "430102-21", at(2026, 3, 2));
         s.put("430102", Scenario::event("430102-21", T::kMaterialsRequested), std::nullopt,
               at(2026, 3, 4));
         s.put("430102", Scenario::event("430102-21", T::kMaterialsSupplied), std::nullopt,
               at(2026, 3, 9, 15));
         CaseSummary c = s.caseOf("430102-21");
         Deadline d = deadlineAt(c, at(2026, 3, 12, 0), calendarOf(s));
         EXPECT_EQ(d.usedMs, 4 * kDay) << "Tue 3, Wed 4, Tue 10, Wed 11";
         EXPECT_EQ(d.dueAtMs, endOf(2026, 3, 19)) << "10 working days, three of them paused";
         EXPECT_TRUE(d.provisional) << "no 2026 calendar published in this scenario";
       }},
      {"SuspensionStopsTheClockUntilResumed",
       [](Scenario& s) {
         clockCase(s, "430102-22", at(2026, 3, 2));
         s.put("430102", Scenario::event("430102-22", T::kSuspended, "听证"), std::nullopt,
               at(2026, 3, 3));
         CaseSummary c = s.caseOf("430102-22");
         EXPECT_EQ(deadlineAt(c, at(2026, 3, 31), calendarOf(s)).usedMs, kDay) << "Tue 3 only";
         EXPECT_EQ(deadlineAt(c, at(2026, 3, 31), calendarOf(s)).card, Card::kGreen);
         EXPECT_EQ(c.dueAtMs, 0) << "unknown while paused";
         s.put("430102", Scenario::event("430102-22", T::kResumed), std::nullopt, at(2026, 3, 5));
         EXPECT_EQ(deadlineAt(s.caseOf("430102-22"), at(2026, 3, 9, 0), calendarOf(s)).usedMs,
                   2 * kDay)
             << "Tue 3 and Fri 6: Wed 4 and Thu 5 were paused at their start";
       }},
      {"YellowCardAtTwoThirdsOfThePromisedTime",
       [](Scenario& s) {
         clockCase(s, "430102-23", at(2026, 3, 2));
         CaseSummary c = s.caseOf("430102-23");  // promised 10 working days
         // 6 days used at Wed 03-11 00:00; two thirds of 10 (6⅔) at 16:00 that day.
         EXPECT_EQ(deadlineAt(c, at(2026, 3, 11, 15, 59), calendarOf(s)).card, Card::kGreen);
         EXPECT_EQ(deadlineAt(c, at(2026, 3, 11, 16), calendarOf(s)).card, Card::kYellow);
         EXPECT_EQ(deadlineAt(c, endOf(2026, 3, 16), calendarOf(s)).card, Card::kYellow)
             << "the last instant of the 10th working day";
       }},
      {"CardsChangeAtTheExactMillisecond",
       [](Scenario& s) {
         const int64_t t0 = at(2026, 3, 2);  // a Monday; no calendar published: Mon–Fri count
         s.put("430102", Scenario::received("430102-72", "XK-COUNTY", "430102", "430102"),
               std::nullopt, t0);
         CaseSummary received = s.caseOf("430102-72");
         Deadline before = deadlineAt(received, t0 + 30 * kDay, calendarOf(s));
         EXPECT_EQ(before.card, Card::kNone) << "the clock has not started";
         EXPECT_EQ(before.usedMs, 0);
         EXPECT_FALSE(before.pastLegal);
         EXPECT_EQ(before.dueAtMs, 0);
         s.put("430102", Scenario::event("430102-72", T::kAccepted), std::nullopt, t0);
         // Promised 10 working days (Tue 03-03 … Mon 03-16), legal 20 (… Mon 03-30); two thirds
         // of 10 is reached at 16:00 on Wed 03-11 (six whole days and two thirds of the seventh).
         CaseSummary c = s.caseOf("430102-72");
         const int64_t yellowAt = at(2026, 3, 11, 16), promisedEnd = endOf(2026, 3, 16);
         const int64_t legalEnd = endOf(2026, 3, 30);
         auto card = [&](int64_t when) { return deadlineAt(c, when, calendarOf(s)).card; };
         EXPECT_EQ(card(yellowAt - 1), Card::kGreen);
         EXPECT_EQ(card(yellowAt), Card::kYellow);
         EXPECT_EQ(card(promisedEnd), Card::kYellow) << "used = promised: not late";
         EXPECT_EQ(card(promisedEnd + 1), Card::kRed);
         EXPECT_FALSE(deadlineAt(c, legalEnd, calendarOf(s)).pastLegal);
         EXPECT_TRUE(deadlineAt(c, legalEnd + 1, calendarOf(s)).pastLegal);
         EXPECT_EQ(deadlineAt(c, t0 + kDay, calendarOf(s)).dueAtMs, promisedEnd);
         // While paused or once decided, nothing is due; Wed 04 and Thu 05 began paused, so the
         // due date moves two working days on, to Wed 03-18.
         s.put("430102", Scenario::event("430102-72", T::kSuspended, "听证"), std::nullopt,
               at(2026, 3, 3));
         EXPECT_EQ(deadlineAt(s.caseOf("430102-72"), at(2026, 3, 5), calendarOf(s)).dueAtMs, 0);
         s.put("430102", Scenario::event("430102-72", T::kResumed), std::nullopt, at(2026, 3, 5));
         EXPECT_EQ(deadlineAt(s.caseOf("430102-72"), at(2026, 3, 6), calendarOf(s)).dueAtMs,
                   endOf(2026, 3, 18));
         s.put("430102", Scenario::event("430102-72", T::kApproved, "L"), std::nullopt,
               at(2026, 3, 9));
         Deadline done = deadlineAt(s.caseOf("430102-72"), at(2026, 4, 30), calendarOf(s));
         EXPECT_EQ(done.dueAtMs, endOf(2026, 3, 18)) << "the due date stays on record";
         EXPECT_EQ(done.usedMs,
                   deadlineAt(s.caseOf("430102-72"), at(2026, 3, 9), calendarOf(s)).usedMs)
             << "the clock stopped at the decision";
         EXPECT_EQ(done.card, Card::kNone) << "decided in time: no card";
       }},
      {"RedCardPastThePromiseAndPastLegalBeyondTheLaw",
       [](Scenario& s) {
         clockCase(s, "430102-24", at(2026, 3, 2));
         CaseSummary c = s.caseOf("430102-24");  // promised 10, legal 20 working days
         EXPECT_EQ(c.dueAtMs, endOf(2026, 3, 16));
         EXPECT_EQ(c.legalDueAtMs, endOf(2026, 3, 30));
         EXPECT_EQ(deadlineAt(c, endOf(2026, 3, 16) + 1, calendarOf(s)).card, Card::kRed);
         EXPECT_FALSE(deadlineAt(c, endOf(2026, 3, 30), calendarOf(s)).pastLegal);
         EXPECT_TRUE(deadlineAt(c, endOf(2026, 3, 30) + 1, calendarOf(s)).pastLegal);
       }},

      // ---------------- working days (工作日) by the published calendar ----------------
      {"TenWorkingDaysFromTheMidAutumnWeekEndOnOctoberFourteenth",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W10", 3, 15, 10));
         clockCase(s, "430102-60", at(2026, 9, 23), "XK-W10");
         CaseSummary c = s.caseOf("430102-60");
         EXPECT_EQ(c.dueAtMs, 1791993600000) << "end of Wed 2026-10-14";
         EXPECT_FALSE(c.provisional);
       }},
      {"FiveWorkingDaysAcrossSpringFestivalEndOnFebruaryTwentySixth",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W5", 3, 9, 5));
         clockCase(s, "430102-61", at(2026, 2, 12), "XK-W5");
         EXPECT_EQ(s.caseOf("430102-61").dueAtMs, 1772121600000) << "end of Thu 2026-02-26";
       }},
      {"TwentyWorkingDaysIntoAYearWithoutACalendarAreProvisionalUntilItsCalendarArrives",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W20", 3, 30, 20));
         clockCase(s, "430102-62", at(2026, 12, 31), "XK-W20");
         CaseSummary c = s.caseOf("430102-62");
         EXPECT_EQ(c.dueAtMs, 1801152000000) << "end of 2027-01-28, Monday to Friday";
         EXPECT_TRUE(c.provisional);
         // The 2027 calendar arrives: New Year's Day is a holiday, so one more day is needed.
         s.put("430000", WorkingCalendar{2027, {"2027-01-01"}, {}, "test"});
         c = s.caseOf("430102-62");
         EXPECT_EQ(c.dueAtMs, endOf(2027, 1, 29));
         EXPECT_FALSE(c.provisional);
       }},
      {"CalendarDayItemCountsEveryDay",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-C10", 3, 15, 10, true, CatalogOp::kInsert,
                                        LimitUnit::kCalendarDays));
         clockCase(s, "430102-63", at(2026, 9, 23), "XK-C10");
         CaseSummary c = s.caseOf("430102-63");
         EXPECT_EQ(c.dueAtMs, endOf(2026, 10, 3)) << "through the 国庆 holidays";
         EXPECT_FALSE(c.provisional);
         EXPECT_EQ(deadlineAt(c, at(2026, 10, 1, 12), calendarOf(s)).card, Card::kYellow)
             << "7.5 of 10 calendar days used";
       }},
      {"ALaterCalendarForTheSameYearReplacesTheEarlierOne",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W10", 3, 15, 10));
         clockCase(s, "430102-64", at(2026, 9, 23), "XK-W10");
         RecordRef second = s.put("430000", WorkingCalendar{2026, {}, {}, "corrected"});
         expectValid(s, second);
         EXPECT_EQ(s.caseOf("430102-64").dueAtMs, endOf(2026, 10, 7))
             << "Monday to Friday only, by the newer publication";
         EXPECT_EQ(s.replica().engine().authority().calendarRecords().at(2026), second);
       }},
      {"CalendarNotByTheProvinceIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", WorkingCalendar{2026, {"2026-03-03"}, {}, ""}),
                    VoidReason::kCalendarNotByProvince);
         EXPECT_FALSE(s.replica().engine().authority().calendar().hasYear(2026));
       }},
      {"SettingsAreTheProvincesKnownAndWithinRange",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", ProvinceSetting{"witness_tolerance_ms", 60'000}),
                    VoidReason::kSettingNotByProvince);
         expectVoid(s, s.put("430000", ProvinceSetting{"witness_tolerance_days", 1}),
                    VoidReason::kSettingUnknown);
         expectVoid(s, s.put("430000", ProvinceSetting{"witness_tolerance_ms", -1}),
                    VoidReason::kSettingOutOfRange);
         expectVoid(s, s.put("430000", ProvinceSetting{"witness_tolerance_ms", 7 * kDay + 1}),
                    VoidReason::kSettingOutOfRange);
         EXPECT_EQ(s.replica().engine().authority().setting("witness_tolerance_ms"), 15 * 60'000)
             << "the default";
         expectValid(s, s.put("430000", ProvinceSetting{"witness_tolerance_ms", 7 * kDay}));
         EXPECT_EQ(s.replica().engine().authority().setting("witness_tolerance_ms"), 7 * kDay);
       }},

      // ---------------- witnessed time ----------------
      {"BackdatedApprovalCountsAtItsWitnessedTimeAndGetsTheRedCard",
       [](Scenario& s) {
         publishCalendar2026(s);
         s.put("430000", Scenario::item("XK-W10", 3, 15, 10));
         RecordRef accepted = clockCase(s, "430102-65", at(2026, 9, 23), "XK-W10");
         witness(s, "430100", accepted, at(2026, 9, 23, 10, 1));
         // Approved really on 10-20 (past the due date 10-14), claimed as Monday 10-12 00:00.
         RecordRef approved = s.put("430102", Scenario::event("430102-65", T::kApproved, "证-1"),
                                    std::nullopt, at(2026, 10, 12, 0));
         EXPECT_EQ(deadlineAt(s.caseOf("430102-65"), at(2026, 10, 25), calendarOf(s)).usedMs,
                   7 * kDay)
             << "before the witness, the claimed time counts";
         witness(s, "430100", approved, at(2026, 10, 20));
         CaseSummary c = s.caseOf("430102-65");
         ASSERT_EQ(c.flaggedTimes.size(), 1u);
         EXPECT_EQ(c.flaggedTimes[0].ref, approved);
         EXPECT_EQ(c.flaggedTimes[0].lateMs(), at(2026, 10, 20) - at(2026, 10, 12, 0));
         EXPECT_EQ(c.endedAtMs, at(2026, 10, 20)) << "the clock stopped when it was witnessed";
         Deadline d = deadlineAt(c, at(2026, 10, 25), calendarOf(s));
         EXPECT_TRUE(d.overdue());
       }},
      {"AnEventWitnessedWithinTheToleranceIsNotFlagged",
       [](Scenario& s) {
         RecordRef accepted = clockCase(s, "430102-66", at(2026, 3, 2));
         witness(s, "430100", accepted, at(2026, 3, 2) + 15 * 60'000);
         EXPECT_TRUE(s.caseOf("430102-66").flaggedTimes.empty()) << "exactly the tolerance";
         RecordRef step = s.put("430102", Scenario::event("430102-66", T::kStepCompleted, "审查"),
                                std::nullopt, at(2026, 3, 3));
         witness(s, "430100", step, at(2026, 3, 3) + 15 * 60'000 + 1);
         EXPECT_EQ(s.caseOf("430102-66").flaggedTimes.size(), 1u) << "one millisecond more";
       }},
      {"FutureDatedAcceptanceStartsTheClockAtItsWitness",
       [](Scenario& s) {
         s.put("430102", Scenario::received("430102-67", "XK-COUNTY", "430102", "430102"),
               std::nullopt, at(2026, 3, 2));
         RecordRef accepted = s.put("430102", Scenario::event("430102-67", T::kAccepted),
                                    std::nullopt, at(2026, 3, 9));
         witness(s, "430100", accepted, at(2026, 3, 2, 10, 10));
         CaseSummary c = s.caseOf("430102-67");
         EXPECT_EQ(c.acceptedAtMs, at(2026, 3, 2, 10, 10));
         ASSERT_EQ(c.flaggedTimes.size(), 1u);
         EXPECT_LT(c.flaggedTimes[0].lateMs(), 0) << "future-dated";
       }},
      {"TheEarliestWitnessOfAnyAncestorCounts",
       [](Scenario& s) {
         RecordRef accepted = clockCase(s, "430102-68", at(2026, 3, 2));
         witness(s, "430100", accepted, at(2026, 3, 2, 10, 5));
         RecordRef step = s.put("430102", Scenario::event("430102-68", T::kStepCompleted, "审查"),
                                std::nullopt, at(2026, 3, 3));
         witness(s, "430000", step, at(2026, 3, 6));
         EXPECT_EQ(s.caseOf("430102-68").flaggedTimes.at(0).witnessedMs, at(2026, 3, 6));
         witness(s, "430100", step, at(2026, 3, 4));  // the city had it earlier
         EXPECT_EQ(s.caseOf("430102-68").flaggedTimes.at(0).witnessedMs, at(2026, 3, 4));
       }},
      {"AWitnessThatIsNotAnAncestorInTheTreeDoesNotCount",
       [](Scenario& s) {
         // 浏阳市 430181 lies inside 长沙市's code region but is enrolled by the province.
         s.put("430181", Scenario::received("430181-1", "XK-COUNTY", "430181", "430181"),
               std::nullopt, at(2026, 3, 2));
         RecordRef accepted = s.put("430181", Scenario::event("430181-1", T::kAccepted),
                                    std::nullopt, at(2026, 3, 2));
         expectValid(s, witness(s, "430100", accepted, at(2026, 3, 20)));
         EXPECT_TRUE(s.caseOf("430181-1").flaggedTimes.empty());
       }},
      {"WitnessNamingAFeedOutsideItsRegionIsVoid",
       [](Scenario& s) {
         RecordRef accepted = clockCase(s, "430102-69", at(2026, 3, 2));
         expectVoid(s, witness(s, "430200", accepted, at(2026, 3, 20)),
                    VoidReason::kWitnessNotByAncestor);
         EXPECT_TRUE(s.caseOf("430102-69").flaggedTimes.empty());
       }},
      {"TheWitnessToleranceIsAProvinceSetting",
       [](Scenario& s) {
         RecordRef accepted = clockCase(s, "430102-70", at(2026, 3, 2));
         witness(s, "430100", accepted, at(2026, 3, 2, 11));  // an hour later
         EXPECT_EQ(s.caseOf("430102-70").flaggedTimes.size(), 2u) << "received and accepted";
         s.put("430000", ProvinceSetting{"witness_tolerance_ms", 2 * 3600 * 1000});
         EXPECT_TRUE(s.caseOf("430102-70").flaggedTimes.empty());
       }},
      {"SecondMaterialsRequestIsListedAsAFinding",
       [](Scenario& s) {
         openCase(s, "430102-25");
         s.put("430102", Scenario::event("430102-25", T::kMaterialsRequested));
         s.put("430102", Scenario::event("430102-25", T::kMaterialsSupplied));
         expectValid(s, s.put("430102", Scenario::event("430102-25", T::kMaterialsRequested)));
         EXPECT_TRUE(s.caseOf("430102-25").secondMaterialsRequest());
         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000", s.now());
         ASSERT_TRUE(board.ok());
         ASSERT_EQ(board->secondMaterialsRequests.size(), 1u);
         EXPECT_EQ(board->secondMaterialsRequests[0].caseId, "430102-25");
       }},
      {"ProvinceOverdueCountsAreTheSumOverItsSubtree",
       [](Scenario& s) {
         int n = 0;
         for (const char* county : {"430102", "430103", "430211", "430181"}) {
           for (int i = 0; i < 2; ++i) {
             // Accepted Mon 03-02 (red by 03-18) and Mon 03-09 (6.75 of 10 days used: yellow).
             std::string id = std::string(county) + "-od" + std::to_string(n++);
             int64_t accepted = at(2026, 3, 2 + 7 * i);
             s.put(county, Scenario::received(id, "XK-COUNTY", county, county), std::nullopt,
                   accepted);
             s.put(county, Scenario::event(id, T::kAccepted), std::nullopt, accepted);
           }
         }
         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000",
                                      at(2026, 3, 18, 18));
         ASSERT_TRUE(board.ok());
         EXPECT_EQ(board->total().red, 4u);
         EXPECT_EQ(board->total().yellow, 4u);
         CardCounts sum;
         for (const char* child : {"430100", "430200", "430181"}) sum += board->subtree.at(child);
         sum += board->own["430000"];
         EXPECT_EQ(sum, board->total());
         EXPECT_EQ(board->subtree.at("430100").red, 2u);
       }},

      {"SupervisionViewCountsEveryFigureOfItsSubtreeAndListsWhatNeedsReview",
       [](Scenario& s) {
         // No calendar published: Monday to Friday count. XK-COUNTY: promised 10 working days,
         // legal 20. Each feed's records in time order (a feed's wall time never goes back).
         auto accepted = [&](const std::string& county, const std::string& id, int64_t when) {
           s.put(county, Scenario::received(id, "XK-COUNTY", county, county), std::nullopt, when);
           return s.put(county, Scenario::event(id, T::kAccepted), std::nullopt, when);
         };
         const int64_t now = at(2026, 3, 31, 12);                    // a Tuesday, noon
         accepted("430211", "430211-r3", at(2026, 2, 27));           // 21.5 used: past legal
         accepted("430103", "430103-r2", at(2026, 3, 13));           // 11.5 used: red
         accepted("430102", "430102-r1", at(2026, 3, 16));           // 10.5 used: red
         accepted("430102", "430102-y1", at(2026, 3, 19));           // 7.5 used: yellow
         accepted("430102", "430102-g1", at(2026, 3, 30));           // 0.5 used: green
         auto h = accepted("430211", "430211-h1", at(2026, 3, 30));  // green, halted
         s.put("430200", Scenario::order("430211-h1", OrderKind::kHalt, h), std::nullopt,
               at(2026, 3, 30, 11));
         accepted("430103", "430103-d1", at(2026, 3, 30));
         s.put("430103", Scenario::event("430103-d1", T::kDenied, "不符合"), std::nullopt,
               at(2026, 3, 31, 10));
         // An authority conflict (good faith under an unseen revocation) at 天心区.
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430103"), std::nullopt,
                        at(2026, 3, 31, 10, 1));
         s.put("430103", Scenario::received("430103-c1", "XK-CITY", "430103", "430103", d),
               std::nullopt, at(2026, 3, 31, 10, 2));
         Frontier before = s.frontier("430103");
         s.put("430100", DelegationRevocation{d, false, "收回"}, std::nullopt,
               at(2026, 3, 31, 10, 3));
         s.put("430103", Scenario::event("430103-c1", T::kAccepted), before,
               at(2026, 3, 31, 10, 4));
         // Complaints: routed to the parent of the node complained about.
         s.put("430211", Complaint{"q2", "", "430211", "超时"}, std::nullopt, at(2026, 3, 30, 12));
         s.put("430211", Complaint{"q3", "", "430211", "态度"}, std::nullopt, at(2026, 3, 30, 13));
         s.put("430102", Complaint{"q1", "", "430102", "推诿"}, std::nullopt, at(2026, 3, 31, 11));
         s.put("430000", ComplaintUpdate{"q3", ComplaintStatus::kResolved, ""}, std::nullopt, now);
         s.put("430102", Scenario::received("430102-n1", "XK-COUNTY", "430102", "430102"),
               std::nullopt, now);  // open, no card yet

         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000", now);
         ASSERT_TRUE(board.ok());
         EXPECT_EQ(board->root, "430000");
         EXPECT_EQ(board->nowMs, now);
         CardCounts furong, tianxin, tianyuan;
         furong.open = 4;  // g1 y1 r1 n1
         furong.green = 1;
         furong.yellow = 1;
         furong.red = 1;
         tianxin.open = 2;  // r2 c1
         tianxin.red = 1;
         tianxin.green = 1;
         tianxin.authorityConflicts = 1;
         tianyuan.open = 2;  // r3 h1
         tianyuan.red = 1;
         tianyuan.green = 1;
         tianyuan.pastLegal = 1;
         tianyuan.halted = 1;
         CardCounts changsha, zhuzhou;
         changsha.openComplaints = 1;  // q1, routed to 长沙市
         zhuzhou.openComplaints = 1;   // q2, routed to 株洲市
         EXPECT_EQ(board->own.at("430102"), furong);
         EXPECT_EQ(board->own.at("430103"), tianxin);
         EXPECT_EQ(board->own.at("430211"), tianyuan);
         EXPECT_EQ(board->own.at("430100"), changsha);
         EXPECT_EQ(board->own.at("430200"), zhuzhou);
         CardCounts changshaTree = changsha, zhuzhouTree = zhuzhou, total;
         changshaTree += furong;
         changshaTree += tianxin;
         zhuzhouTree += tianyuan;
         EXPECT_EQ(board->subtree.at("430100"), changshaTree);
         EXPECT_EQ(board->subtree.at("430200"), zhuzhouTree);
         total += changshaTree;
         total += zhuzhouTree;
         EXPECT_EQ(board->total(), total);
         EXPECT_EQ(total.open, 8u);
         EXPECT_EQ(total.openComplaints, 2u);
         // Red cases, most overdue first; denials; open complaints, oldest first with their age.
         ASSERT_EQ(board->overdue.size(), 3u);
         EXPECT_EQ(board->overdue[0].summary.caseId, "430211-r3");
         EXPECT_EQ(board->overdue[1].summary.caseId, "430103-r2");
         EXPECT_EQ(board->overdue[2].summary.caseId, "430102-r1");
         EXPECT_EQ(board->overdue[1].deadline.usedMs, 11 * kDay + kDay / 2)
             << "Mon 03-16 to Mon 03-30 and half of Tue 03-31";
         ASSERT_EQ(board->denials.size(), 1u);
         EXPECT_EQ(board->denials[0].caseId, "430103-d1");
         ASSERT_EQ(board->openComplaints.size(), 2u);
         EXPECT_EQ(board->openComplaints[0].summary.complaintId, "q2");
         EXPECT_EQ(board->openComplaints[0].ageMs, kDay);
         EXPECT_EQ(board->openComplaints[1].ageMs, kDay / 24);
         // A city's view is its own subtree only.
         auto city = supervisionView(**view, s.replica().engine().authority(), "430200", now);
         EXPECT_EQ(city->total(), zhuzhouTree);
         EXPECT_EQ(city->overdue.size(), 1u);
         EXPECT_TRUE(city->denials.empty());
       }},

      // ---------------- forks ----------------
      {"ForkMakesTheAuthorsLaterRecordsVoid",
       [](Scenario& s) {
         openCase(s, "430102-26");
         Envelope e = s.network().nextEnvelope("430102");
         e.frontier = s.frontier("430102");
         e.wallTimeMs = s.now();  // not before the feed's previous record
         SignedRecord a =
             s.network().signAs("430102", e, Scenario::event("430102-26", T::kApproved, "L-a"));
         SignedRecord b =
             s.network().signAs("430102", e, Scenario::event("430102-26", T::kDenied, "两套结果"));
         auto& n = s.network().node("430102");
         s.deliver({a});
         n.seq = e.seq;
         n.lamport = e.lamport;
         n.lastId = blake2b256(a.body);
         RecordRef forked{"430102", e.seq};
         expectValid(s, forked);
         s.put("430100", ForkReport{"430102", e.seq, a, b});
         expectVoid(s, forked, VoidReason::kAuthorForked);
         EXPECT_EQ(s.caseOf("430102-26").status, CaseStatus::kUnderReview)
             << "the forked approval changes nothing";
         expectValid(s, RecordRef{"430102", e.seq - 1});
         // Records after the fork, on the same key, are void too…
         expectVoid(s, s.put("430102", Scenario::event("430102-26", T::kStepCompleted, "初审")),
                    VoidReason::kAuthorForked);
         expectVoid(
             s, s.put("430102", Scenario::received("430102-27", "XK-COUNTY", "430102", "430102")),
             VoidReason::kAuthorForked);
         expectVoid(s, s.put("430102", Complaint{"c-f", "", "430102", ""}),
                    VoidReason::kAuthorForked);
         // …until its parent re-enrols it with a higher serial: the new key's records count.
         Certificate c = *decodeCertificateBody(n.certificate.body);
         c.serial = 2;
         SigningKey fresh = SigningKey::generate();
         c.publicKey = toBytes(fresh.publicKey().bytes());
         expectValid(s, s.put("430100", issueCertificate(c, s.network().node("430100").key)));
         n.key = std::move(fresh);
         n.serial = 2;
         expectValid(s, s.put("430102", Scenario::event("430102-26", T::kStepCompleted, "复审")));
         // Forking again under the new key voids what follows under that key too: the fork covers
         // every serial up to the highest one it was proven for.
         Envelope again = s.network().nextEnvelope("430102");
         again.frontier = s.frontier("430102");
         again.wallTimeMs = s.now();
         SignedRecord c1 = s.network().signAs("430102", again, Complaint{"f-1", "", "430102", ""});
         SignedRecord c2 = s.network().signAs("430102", again, Complaint{"f-2", "", "430102", ""});
         s.deliver({c1});
         n.seq = again.seq;
         n.lamport = again.lamport;
         n.lastId = blake2b256(c1.body);
         s.put("430100", ForkReport{"430102", again.seq, c1, c2});
         expectVoid(s, s.put("430102", Scenario::event("430102-26", T::kStepCompleted, "三审")),
                    VoidReason::kAuthorForked);
       }},
      {"ARevocationVoidedByItsAuthorsForkNoLongerRevokes",
       [](Scenario& s) {
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430102"));
         auto r = s.put("430100", DelegationRevocation{d, false, "收回"});
         expectVoid(s, d, VoidReason::kRevoked);
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430100");
         // 长沙市 signed another record at the revocation's sequence: the revocation is void, and
         // the delegation made before the fork stands again.
         Envelope e = decodeRecordBody(s.history().back().body)->envelope;
         SignedRecord other =
             s.network().signAs("430100", e, Complaint{"c-x", "", "430100", "另一份"});
         s.put("430000", ForkReport{"430100", r.seq, s.history().back(), other});
         expectVoid(s, r, VoidReason::kAuthorForked);
         expectValid(s, d);
         EXPECT_EQ(s.handler("XK-CITY", "430102"), "430102");
       }},
      {"ForkedProvincesLaterRecordsOfEveryKindAreVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-67");
         s.put("430102", Complaint{"c-67", "", "430102", "投诉"});
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430103"));
         forkAndReport(s, "430000", "430100");
         auto forked = [&](Payload p) {
           expectVoid(s, s.put("430000", p), VoidReason::kAuthorForked);
         };
         forked(Scenario::item("XK-AFTER", 3, 20, 10));
         forked(Scenario::item("XK-COUNTY", 3, 20, 12, true, CatalogOp::kUpdate));
         forked(Scenario::delegation("XK-PROV", "430100"));
         forked(DelegationRevocation{d, false, ""});
         forked(KeyRevocation{"430102", 1, 1000, ""});
         forked(Scenario::received("430000-1", "XK-PROV", "430000", "430000"));
         forked(Scenario::order("430102-67", OrderKind::kHalt, acc));
         forked(Complaint{"c-68", "", "430100", ""});
         forked(ComplaintUpdate{"c-67", ComplaintStatus::kResolved, ""});
         EXPECT_FALSE(s.caseOf("430102-67").halted);
         EXPECT_EQ(s.replica().engine().authority().item("XK-COUNTY")->promisedDays, 10);
         expectValid(s, d);
       }},
      {"ForkedCitysLaterDelegationsOrdersAndUpdatesAreVoid",
       [](Scenario& s) {
         auto acc = openCase(s, "430102-69");
         auto d = s.put("430100", Scenario::delegation("XK-CITY", "430103"));
         s.put("430102", Complaint{"c-69", "", "430102", "投诉"});
         uint64_t at = forkAndReport(s, "430100", "430000");
         expectValid(s, d);  // records before the fork stand
         EXPECT_LT(d.seq, at);
         expectVoid(s, s.put("430100", Scenario::delegation("XK-CITY", "430102")),
                    VoidReason::kAuthorForked);
         expectVoid(s, s.put("430100", DelegationRevocation{d, false, ""}),
                    VoidReason::kAuthorForked);
         expectVoid(s, s.put("430100", Scenario::order("430102-69", OrderKind::kUrge, acc)),
                    VoidReason::kAuthorForked);
         expectVoid(s, s.put("430100", ComplaintUpdate{"c-69", ComplaintStatus::kHandling, ""}),
                    VoidReason::kAuthorForked);
         expectVoid(s, s.put("430100", KeyRevocation{"430102", 1, 1000, ""}),
                    VoidReason::kAuthorForked);
         EXPECT_EQ(s.handler("XK-CITY", "430103"), "430103");
       }},
      {"AForkReportVoidsItsAuthorsRecordsInCasesOutsideItsRegion",
       [](Scenario& s) {
         // 芙蓉区 orders on a 株洲 case (void: not an ancestor), then forks: the order is now void
         // because its author forked, as a rebuild from the same records says.
         auto acc = openCase(s, "430211-73", "XK-COUNTY", "430211", "430211");
         auto order = s.put("430102", Scenario::order("430211-73", OrderKind::kUrge, acc));
         expectVoid(s, order, VoidReason::kOrderNotByAncestor);
         // The fork is at the order's own sequence: a second record signed there.
         SignedRecord stored = s.history().back();
         Envelope e = decodeRecordBody(stored.body)->envelope;
         SignedRecord other =
             s.network().signAs("430102", e, Complaint{"c-73", "", "430102", "另一份"});
         s.put("430100", ForkReport{"430102", e.seq, stored, other});
         expectVoid(s, order, VoidReason::kAuthorForked);
         Hash256 incremental = s.digest();
         ASSERT_TRUE(s.replica().rebuild().ok());
         EXPECT_EQ(s.digest(), incremental);
       }},
      {"AWindowEnrolledAfterItsRecordsIsJudgedAgain",
       [](Scenario& s) {
         // A township window receives an application for its county before the certificate that
         // enrols it is in: it is not (yet) under the handler. Once enrolled, it is.
         s.network().enroll("430102001", "430102");
         // Its key is known at the door (a peer attaches the chain), not yet in the tree.
         SignedRecord r = s.sign(
             "430102001", Scenario::received("430102001-1", "XK-COUNTY", "430102", "430102"));
         std::vector<SignedCertificate> chain = {s.network().node("430102001").certificate};
         auto in = s.replica().ingest(std::vector<SignedRecord>{r}, chain);
         ASSERT_TRUE(in.ok() && in->results[0].outcome == IngestOutcome::kAppended);
         RecordRef received{"430102001", 1};
         expectVoid(s, received, VoidReason::kReceiverNotUnderHandler);
         s.put("430102", s.network().node("430102001").certificate);
         expectValid(s, received);
         EXPECT_EQ(s.caseOf("430102001-1").receiver, "430102001");
         Hash256 incremental = s.digest();
         ASSERT_TRUE(s.replica().rebuild().ok());
         EXPECT_EQ(s.digest(), incremental);
       }},
      {"AForkReportIsCheckedOnlyAgainstKeysOfValidCertificates",
       [](Scenario& s) {
         // 长沙市 enrols 430104 with serial 2 first; then the province's serial-1 enrolment of it
         // arrives, which makes the province its first issuer and 长沙市's certificate void.
         // Records signed with the serial-2 key prove nothing any more.
         testing::TestNode& n = s.network().enroll("430104", "430100");
         Certificate c = *decodeCertificateBody(n.certificate.body);
         c.serial = 2;
         auto bySerial2 = s.put("430100", issueCertificate(c, s.network().node("430100").key));
         expectValid(s, bySerial2);
         EXPECT_EQ(s.replica().engine().authority().parentOf("430104"), "430100");
         Certificate first = c;
         first.serial = 1;
         first.issuer = "430000";
         first.publicKey = toBytes(SigningKey::generate().publicKey().bytes());
         s.put("430000", issueCertificate(first, s.network().node("430000").key));
         expectVoid(s, bySerial2, VoidReason::kCertificateNotByIssuer);
         EXPECT_EQ(s.replica().engine().authority().parentOf("430104"), "430000");
         // The node moved in the tree: the stored state says so at once, as a rebuild does.
         Hash256 moved = s.digest();
         ASSERT_TRUE(s.replica().rebuild().ok());
         EXPECT_EQ(s.digest(), moved);
         Envelope e = s.network().nextEnvelope("430104");
         e.keySerial = 2;  // n.key is the serial-2 key 长沙市 certified
         SignedRecord a = s.network().signAs("430104", e, Complaint{"x-a", "", "430104", ""});
         SignedRecord b = s.network().signAs("430104", e, Complaint{"x-b", "", "430104", ""});
         expectVoid(s, s.put("430200", ForkReport{"430104", e.seq, a, b}),
                    VoidReason::kForkReportInvalid);
       }},
      {"ForkReportWithoutTwoDifferentSignedRecordsIsVoid",
       [](Scenario& s) {
         SignedRecord a =
             s.sign("430102", Scenario::received("430102-27", "XK-COUNTY", "430102", "430102"));
         s.deliver({a});
         expectVoid(s, s.put("430100", ForkReport{"430102", 1, a, a}),
                    VoidReason::kForkReportInvalid);
         SignedRecord b = s.network().signAs("430102", decodeRecordBody(a.body)->envelope,
                                             Complaint{"c-b", "", "430102", ""});
         // Two different records, but the report names another author or sequence.
         expectVoid(s, s.put("430100", ForkReport{"430103", 1, a, b}),
                    VoidReason::kForkReportInvalid);
         expectVoid(s, s.put("430100", ForkReport{"430102", 2, a, b}),
                    VoidReason::kForkReportInvalid);
         // A second record whose signature does not verify under the author's key.
         SignedRecord forged = b;
         forged.signature = s.network().node("430103").key.sign(kRecordSignatureDomain, b.body);
         expectVoid(s, s.put("430100", ForkReport{"430102", 1, a, forged}),
                    VoidReason::kForkReportInvalid);
         expectValid(s, s.put("430100", ForkReport{"430102", 1, a, b}));
       }},

      // ---------------- complaints ----------------
      {"ComplaintIsRoutedToTheHandlersParent",
       [](Scenario& s) {
         s.put("430102", Complaint{"c-1", "430102-1", "430102", "窗口推诿"});
         expectValid(s,
                     s.put("430100", ComplaintUpdate{"c-1", ComplaintStatus::kHandling, "已受理"}));
         expectVoid(s, s.put("430103", ComplaintUpdate{"c-1", ComplaintStatus::kResolved, ""}),
                    VoidReason::kComplaintUpdateNotBySupervisor);
         auto view = s.replica().store().beginRead();
         auto board =
             supervisionView(**view, s.replica().engine().authority(), "430000", s.now() + kDay);
         ASSERT_EQ(board->openComplaints.size(), 1u);
         EXPECT_EQ(board->openComplaints[0].summary.routedTo, "430100");
         EXPECT_GE(board->openComplaints[0].ageMs, kDay);
       }},
      {"ResolvedComplaintLeavesTheBoard",
       [](Scenario& s) {
         s.put("430211", Complaint{"c-2", "", "430211", "超时"});
         expectValid(s,
                     s.put("430000", ComplaintUpdate{"c-2", ComplaintStatus::kResolved, "已整改"}));
         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000", s.now());
         EXPECT_TRUE(board->openComplaints.empty());
       }},

      {"SecondComplaintWithOneIdIsVoid",
       [](Scenario& s) {
         expectValid(s, s.put("430102", Complaint{"c-9", "", "430102", "推诿"}));
         expectVoid(s, s.put("430103", Complaint{"c-9", "", "430103", "同号"}),
                    VoidReason::kComplaintDuplicate);
         expectVoid(s, s.put("430102", Complaint{"c-9", "", "430102", "再投"}),
                    VoidReason::kComplaintDuplicate);
         auto view = s.replica().store().beginRead();
         auto board = supervisionView(**view, s.replica().engine().authority(), "430000", s.now());
         ASSERT_EQ(board->openComplaints.size(), 1u);
         EXPECT_EQ(board->openComplaints[0].summary.against, "430102");
       }},
      {"OfTwoConcurrentComplaintsWithOneIdTheLowerRefCounts",
       [](Scenario& s) {
         // Two windows file one id at the same Lamport clock (neither saw the other): the tie is
         // broken by (author, seq), the same on every node.
         auto a = s.put("430103", Complaint{"c-11", "", "430103", "甲"}, Frontier{});
         auto b = s.put("430102", Complaint{"c-11", "", "430102", "乙"}, Frontier{});
         ASSERT_EQ(decodeRecordBody(s.history()[s.history().size() - 2].body)->envelope.lamport,
                   decodeRecordBody(s.history().back().body)->envelope.lamport);
         expectValid(s, b);  // 430102 < 430103
         expectVoid(s, a, VoidReason::kComplaintDuplicate);
       }},
      {"ComplaintAgainstAnUnenrolledNodeIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430102", Complaint{"c-10", "", "430104", "无此单位"}),
                    VoidReason::kComplaintAgainstUnknownNode);
         // The id stays free for a valid complaint.
         expectValid(s, s.put("430102", Complaint{"c-10", "", "430102", "窗口"}));
       }},
      {"UpdateOfAnUnknownComplaintIsVoid",
       [](Scenario& s) {
         expectVoid(s, s.put("430100", ComplaintUpdate{"c-404", ComplaintStatus::kHandling, ""}),
                    VoidReason::kComplaintUnknown);
         expectVoid(s, s.put("430100", ComplaintUpdate{"", ComplaintStatus::kResolved, ""}),
                    VoidReason::kComplaintUnknown);
       }},

      // ---------------- trust records ----------------
      {"CertificatePublishedBySomeoneOtherThanItsIssuerIsVoid",
       [](Scenario& s) {
         s.network().enroll("430104", "430100");
         expectVoid(s, s.put("430102", s.network().node("430104").certificate),
                    VoidReason::kCertificateNotByIssuer);
         EXPECT_FALSE(s.replica().engine().authority().isEnrolled("430104"));
         expectValid(s, s.put("430100", s.network().node("430104").certificate));
         EXPECT_EQ(s.replica().engine().authority().parentOf("430104"), "430100");
         // A body that is no certificate at all counts here too.
         expectVoid(s, s.put("430100", SignedCertificate{Bytes(16, 0x5a), Bytes(64, 1)}),
                    VoidReason::kCertificateNotByIssuer);
       }},
      {"ACertificatePublishedByANonIssuerDoesNotDecideWhoEnrolsTheNode",
       [](Scenario& s) {
         // The province publishes a certificate for 天心区 that 株洲市 signed: not its to publish,
         // and it must not make 株洲市 the node's first issuer (its record sorts before 长沙市's).
         Certificate c = *decodeCertificateBody(s.network().node("430103").certificate.body);
         c.issuer = "430200";
         auto forged = s.put("430000", issueCertificate(c, s.network().node("430200").key));
         expectVoid(s, forged, VoidReason::kCertificateNotByIssuer);
         EXPECT_EQ(s.replica().engine().authority().parentOf("430103"), "430100");
         EXPECT_EQ(s.handler("XK-COUNTY", "430103"), "430103");
       }},
      {"CertificateOutsideTheIssuersRegionIsVoid",
       [](Scenario& s) {
         // 长沙市 enrols a county of 株洲's region, and the province itself.
         Certificate c = *decodeCertificateBody(s.network().node("430211").certificate.body);
         c.issuer = "430100";
         c.serial = 2;
         auto outside = s.put("430100", issueCertificate(c, s.network().node("430100").key));
         expectVoid(s, outside, VoidReason::kCertificateOutsideRegion);
         EXPECT_EQ(s.replica().engine().authority().parentOf("430211"), "430200");
         Certificate root = *decodeCertificateBody(s.network().anchor().body);
         root.issuer = "430100";
         root.serial = 2;
         expectVoid(s, s.put("430100", issueCertificate(root, s.network().node("430100").key)),
                    VoidReason::kCertificateOutsideRegion);
       }},
      {"KeyRevocationByANodeThatIsNotAStrictAncestorIsVoid",
       [](Scenario& s) {
         for (const char* revoker : {"430103", "430200", "430102", "430211"}) {
           expectVoid(s, s.put(revoker, KeyRevocation{"430102", 1, 1000, "泄露"}),
                      VoidReason::kKeyRevocationNotByAncestor);
         }
         expectValid(s, s.put("430100", KeyRevocation{"430102", 1, 1000, "泄露"}));
         expectValid(s, s.put("430000", KeyRevocation{"430102", 1, 1000, "泄露"}));
       }},

      // ---------------- the node refuses to author void records ----------------
      {"NodeRefusesToAuthorARecordItsStateJudgesVoid",
       [](Scenario& s) {
         // 芙蓉区's own replica, on its own store, after it has all records so far.
         testing::TempDir dir;
         auto store = LmdbStore::open(dir.path());
         ASSERT_TRUE(store.ok());
         Identity id{"430102", 1, &s.network().node("430102").key, {"430000", "430100"}};
         auto county = Replica::open(**store, s.network().anchor(), id);
         ASSERT_TRUE(county.ok());
         std::vector<Bytes> raw;
         for (const auto& r : s.history()) raw.push_back(testing::wireBytes(r));
         ASSERT_TRUE((*county)->ingest(raw).ok());
         auto bad = (*county)->author(Scenario::event("430102-x", T::kAccepted), s.now());
         ASSERT_FALSE(bad.ok());
         EXPECT_NE(bad.error().message.find("unknown_case"), std::string::npos)
             << bad.error().message;
         auto head = (*(*store)->beginRead())->head("430102");
         EXPECT_FALSE(head->has_value()) << "nothing was written";
         EXPECT_TRUE(
             (*county)
                 ->author(Scenario::received("430102-x", "XK-COUNTY", "430102", "430102"), s.now())
                 .ok());
         auto ok = (*county)->author(Scenario::event("430102-x", T::kAccepted), s.now());
         EXPECT_TRUE(ok.ok()) << ok.error().message;
       }},
  };
  return all;
}

void PrintTo(const Spec& spec, std::ostream* os) { *os << spec.name; }

class ScenarioTest : public ::testing::TestWithParam<Spec> {};

TEST_P(ScenarioTest, Holds) {
  Scenario s;
  GetParam().run(s);
}

INSTANTIATE_TEST_SUITE_P(Rules, ScenarioTest, ::testing::ValuesIn(specs()),
                         [](const ::testing::TestParamInfo<Spec>& info) {
                           return std::string(info.param.name);
                         });

// Every void reason the code names must be asserted by a scenario above, for every kind of record
// it applies to. The scenarios are run here again, and only assertions that held count: a reason
// appended to sync/verdict.h (by any change) fails this test until a scenario asserts it.
TEST(VoidReasonCoverage, EveryVoidReasonIsAssertedByAScenarioForEveryKindItAppliesTo) {
  std::set<Scenario::Assertion> asserted;
  for (const Spec& spec : specs()) {
    Scenario s;
    spec.run(s);
    ASSERT_FALSE(HasFailure()) << "scenario " << spec.name << " failed";
    asserted.insert(s.assertions().begin(), s.assertions().end());
  }
  std::set<std::string> names;
  size_t reached = 0;
  const size_t reasons = static_cast<size_t>(VoidReason::kCount) - 1;  // kNone is no reason
  for (size_t i = 1; i <= reasons; ++i) {
    std::string name(voidReasonName(static_cast<VoidReason>(i)));
    names.insert(name);
    bool any = std::any_of(asserted.begin(), asserted.end(),
                           [&](const Scenario::Assertion& a) { return a.first == name; });
    EXPECT_TRUE(any) << "void reason " << i << " (" << name << ") is asserted by no scenario";
    reached += any;
  }
  // The kinds each reason applies to (PROTOCOL §10), where it applies to more than one.
  const std::map<std::string, std::vector<std::string>> kinds = {
      {"author_forked",
       {"catalog_item", "delegation", "delegation_revocation", "key_revocation",
        "case_event.received", "case_event.approved", "case_event.stepCompleted",
        "supervision_order", "complaint", "complaint_update"}},
      {"unknown_item", {"catalog_item", "delegation", "case_event.received"}},
      {"handler_not_on_region_path", {"case_event.received", "case_event.transferred"}},
      {"unknown_case",
       {"case_event.accepted", "case_event.materialsRequested", "case_event.materialsSupplied",
        "case_event.stepCompleted", "case_event.suspended", "case_event.resumed",
        "case_event.approved", "case_event.denied", "case_event.closed", "case_event.withdrawn",
        "case_event.transferred", "supervision_order"}},
      {"not_the_handler",
       {"case_event.accepted", "case_event.materialsRequested", "case_event.materialsSupplied",
        "case_event.stepCompleted", "case_event.suspended", "case_event.resumed",
        "case_event.approved", "case_event.denied", "case_event.closed", "case_event.withdrawn",
        "case_event.transferred"}},
      {"illegal_transition",
       {"case_event.accepted", "case_event.materialsRequested", "case_event.materialsSupplied",
        "case_event.stepCompleted", "case_event.suspended", "case_event.resumed",
        "case_event.approved", "case_event.denied", "case_event.closed", "case_event.withdrawn",
        "case_event.transferred"}},
      {"contradicts_halt_order",
       {"case_event.accepted", "case_event.stepCompleted", "case_event.approved",
        "case_event.denied", "case_event.closed"}},
      {"contradicts_unseen_halt_order",
       {"case_event.accepted", "case_event.stepCompleted", "case_event.approved",
        "case_event.denied", "case_event.closed"}},
      {"order_on_final_case", {"supervision_order"}},
      {"complaint_unknown", {"complaint_update"}},
  };
  for (const auto& [reason, list] : kinds) {
    EXPECT_TRUE(names.contains(reason)) << reason << " is not a void reason of this build";
    for (const std::string& kind : list) {
      EXPECT_TRUE(asserted.contains({reason, kind}))
          << reason << " is not asserted for a " << kind << " record";
    }
  }
  std::printf("void reasons asserted by scenarios: %zu of %zu (%zu reason/kind pairs)\n", reached,
              reasons, asserted.size());
}

}  // namespace
}  // namespace govbus
