#include "harness/cli/faults_cmd.h"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/fault_plan.h"
#include "core/status.h"
#include "faultfs/client/control_client.h"

namespace crashlab {
namespace {

constexpr char kUsage[] =
    "usage: crashlab faults --check PLAN\n"
    "       crashlab faults --socket PATH PLAN\n"
    "       crashlab faults --socket PATH --cmd "
    "clear-cache|checkpoint|unsynced|status|flush|disarm|crash\n";

constexpr const char* kCommands[] = {"clear-cache", "checkpoint", "unsynced",
                                     "status",      "flush",      "disarm",
                                     "crash"};

struct Args {
  std::string check;   // --check PLAN
  std::string socket;  // --socket PATH
  std::string cmd;     // --cmd COMMAND
  std::string plan;    // positional PLAN
};

Result<Args> Parse(const std::vector<std::string>& words) {
  Args a;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string w = words[i];
    std::string value;
    const bool inline_value =
        w.rfind("--", 0) == 0 && w.find('=') != std::string::npos;
    if (inline_value) {
      value = w.substr(w.find('=') + 1);
      w = w.substr(0, w.find('='));
    }
    auto take = [&](std::string* out) -> Status {
      if (!inline_value) {
        if (i + 1 >= words.size())
          return Status::InvalidArgument(w + " needs a value");
        value = words[++i];
      }
      if (value.empty()) return Status::InvalidArgument(w + " needs a value");
      *out = value;
      return Status::Ok();
    };
    if (w == "--check") {
      CRASHLAB_RETURN_IF_ERROR(take(&a.check));
    } else if (w == "--socket") {
      CRASHLAB_RETURN_IF_ERROR(take(&a.socket));
    } else if (w == "--cmd") {
      CRASHLAB_RETURN_IF_ERROR(take(&a.cmd));
    } else if (w.size() > 1 && w[0] == '-') {
      return Status::InvalidArgument("unknown option " + w);
    } else if (a.plan.empty()) {
      a.plan = w;
    } else {
      return Status::InvalidArgument("one PLAN only, got " + a.plan + " and " +
                                     w);
    }
  }
  const int modes = !a.check.empty() + !a.socket.empty();
  if (modes != 1) return Status::InvalidArgument("give --check or --socket");
  if (!a.check.empty() && (!a.plan.empty() || !a.cmd.empty())) {
    return Status::InvalidArgument("--check takes one PLAN and nothing else");
  }
  if (!a.socket.empty() && a.plan.empty() == a.cmd.empty()) {
    return Status::InvalidArgument("--socket needs a PLAN or --cmd COMMAND");
  }
  if (!a.cmd.empty()) {
    bool known = false;
    for (const char* c : kCommands) known = known || a.cmd == c;
    if (!known) return Status::InvalidArgument("unknown --cmd " + a.cmd);
  }
  return a;
}

int Fail(std::ostream& err, const Status& s) {
  err << "crashlab faults: " << s.message() << "\n";
  return ExitCodeFor(s);
}

int Check(const Args& a, std::ostream& out, std::ostream& err) {
  auto plan = LoadFaultPlan(a.check);
  if (!plan.ok()) return Fail(err, plan.status());
  out << PlanToJson(*plan).dump(2) << "\n";
  return kExitPass;
}

int Inject(const Args& a, std::ostream& out, std::ostream& err) {
  auto plan = LoadFaultPlan(a.plan);
  if (!plan.ok()) return Fail(err, plan.status());
  auto client = ControlClient::Connect(a.socket);
  if (!client.ok()) return Fail(err, client.status());
  nlohmann::json injected = nlohmann::json::array();
  for (const FaultRule& rule : plan->rules) {
    auto reply =
        (*client)->Call({{"cmd", "inject"}, {"rule", RuleToJson(rule)}});
    if (!reply.ok()) {
      return Fail(err, reply.status().Annotate("rule " + rule.id));
    }
    injected.push_back(reply->value("rule", rule.id));
  }
  // The daemon seeds every rule with its own --seed: say so when the plan
  // named another.
  if (plan->seed != 0) {
    err << "crashlab faults: note: the plan's seed " << plan->seed
        << " is not sent; rules use faultfs's --seed\n";
  }
  out << nlohmann::json({{"ok", true}, {"injected", injected}}).dump() << "\n";
  return kExitPass;
}

int Command(const Args& a, std::ostream& out, std::ostream& err) {
  auto client = ControlClient::Connect(a.socket);
  if (!client.ok()) return Fail(err, client.status());
  auto reply = (*client)->Call({{"cmd", a.cmd}});
  if (!reply.ok()) return Fail(err, reply.status());
  out << reply->dump() << "\n";
  return kExitPass;
}

}  // namespace

int RunFaultsCommand(const std::vector<std::string>& args, std::ostream& out,
                     std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << kUsage;
    return kExitPass;
  }
  auto a = Parse(args);
  if (!a.ok()) {
    err << "crashlab faults: " << a.status().message() << "\n" << kUsage;
    return kExitUsage;
  }
  if (!a->check.empty()) return Check(*a, out, err);
  if (!a->cmd.empty()) return Command(*a, out, err);
  return Inject(*a, out, err);
}

int FaultsMain(const std::vector<std::string>& args) {
  return RunFaultsCommand(args, std::cout, std::cerr);
}

}  // namespace crashlab
