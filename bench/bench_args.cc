#include "bench/bench_args.h"

#include <cstdio>
#include <sstream>
#include <utility>

namespace crashlab::bench {

std::optional<int> ParseArgs(int argc, char** argv, const std::string& usage,
                             const po::options_description& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf("%s\n", usage.c_str());
      return 0;
    }
  }
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv)
                  .options(options)
                  .positional({})  // none: a stray word is an error
                  .style(po::command_line_style::unix_style ^
                         po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Refuse(usage, e.what());
  }
  return std::nullopt;
}

int Refuse(const std::string& usage, const std::string& message) {
  // "usage: NAME ...": the program's name is the word after "usage: ".
  const size_t begin = usage.find(' ') + 1;
  const std::string name = usage.substr(begin, usage.find(' ', begin) - begin);
  std::fprintf(stderr, "%s: %s\n%s\n", name.c_str(), message.c_str(),
               usage.c_str());
  return 2;
}

std::optional<std::vector<uint64_t>> ParseCounts(const std::string& list,
                                                 uint64_t min) {
  std::vector<uint64_t> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty() || item.size() > 18 ||
        item.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    out.push_back(std::stoull(item));
    if (out.back() < min) return std::nullopt;
  }
  if (out.empty() || (!list.empty() && list.back() == ',')) {
    return std::nullopt;
  }
  return out;
}

bool SetCounts(const std::string& list, std::vector<uint64_t>* counts) {
  if (list.empty()) return true;
  auto parsed = ParseCounts(list);
  if (!parsed) return false;
  *counts = std::move(*parsed);
  return true;
}

}  // namespace crashlab::bench
