// expect: 3:1: unterminated #if
#include <core.p4>
#if 1
const bit<8> X = 1;
