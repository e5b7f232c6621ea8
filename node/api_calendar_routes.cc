// The province's working-day calendar (节假日安排) and settings.
#include "node/api_server.h"

#include <atomic>
#include <map>
#include <optional>

#include "base/civil_date.h"
#include "node/api_routes.h"

namespace govbus {

void ApiServer::calendarRoutes(ApiRoutes& api) {
  api.post("/v1/calendar", [&api](const Request& req, Response& res) {
    api.write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(WorkingCalendar c, calendarFromJson(j));
      return Payload(std::move(c));
    });
  });
  api.post("/v1/settings", [&api](const Request& req, Response& res) {
    api.write(req, res, [&](const Json& j, const Request&) -> Result<Payload> {
      GOVBUS_ASSIGN_OR_RETURN(ProvinceSetting p, settingFromJson(j));
      return Payload(std::move(p));
    });
  });
  api.get("/v1/calendar", [this, &api](const Request&, Response& res) {
    auto authority = engine_.authority();
    Json years = Json::array();
    for (const auto& [year, ref] : authority->calendarRecords()) {
      const YearCalendar* y = authority->calendar().year(year);
      Json holidays = Json::array(), workdays = Json::array();
      for (DayNumber d : y->holidays) holidays.push_back(isoDate(d));
      for (DayNumber d : y->workdays) workdays.push_back(isoDate(d));
      years.push_back(Json{
          {"year", year}, {"holidays", holidays}, {"workdays", workdays}, {"record", toJson(ref)}});
    }
    api.reply(res, 200, Json{{"years", years}});
  });
  api.get("/v1/settings", [this, &api](const Request&, Response& res) {
    auto authority = engine_.authority();
    Json settings = Json::array();
    for (const SettingSpec& spec : knownSettings()) {
      auto it = authority->settings().find(spec.name);
      settings.push_back(
          Json{{"name", spec.name},
               {"value", authority->setting(spec.name)},
               {"default", spec.defaultValue},
               {"min", spec.min},
               {"max", spec.max},
               {"record",
                it == authority->settings().end() ? Json(nullptr) : toJson(it->second.second)}});
    }
    api.reply(res, 200, Json{{"settings", settings}});
  });
}

}  // namespace govbus
