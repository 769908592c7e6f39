// Must NOT compile: a genome type without genome_traits. The build's error
// must name the missing customisation point in plain words.
#include "mine.hpp"

int main() {
    evonas::IslandModel<Mine> model({}, {});
    return model.island_count() == 0;
}
