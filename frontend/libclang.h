/*
 * libclang.h: libclang, loaded when the first import needs it.
 *
 * kiln is not linked to libclang: an OpenCL platform built on another LLVM
 * (PoCL) would otherwise find libclang's LLVM in the process's global scope
 * and call into it. libclang is opened with RTLD_LOCAL the first time an
 * import asks for it, and kiln runs without it when nothing is imported.
 * Every clang_* call of the importer goes through this table.
 */
#ifndef KILN_FRONTEND_LIBCLANG_H
#define KILN_FRONTEND_LIBCLANG_H

#include <clang-c/Index.h>
#include <stddef.h>

typedef struct kiln_libclang {
#define F(ret, name, params) ret (*name) params;
#include "frontend/libclang.def"
#undef F
} kiln_libclang;

/* The loaded table, or NULL with the reason in err (the library or a
 * function not found). Loads once per process ($KILN_LIBCLANG first, then
 * the library found at build time, then the usual names). */
const kiln_libclang *kiln_libclang_load(char *err, size_t errlen);

/* The importer's calls, through the table it loaded. */
extern const kiln_libclang *kiln_libclang_api;
#define clang_Cursor_Evaluate kiln_libclang_api->Cursor_Evaluate
#define clang_Cursor_getArgument kiln_libclang_api->Cursor_getArgument
#define clang_Cursor_getNumArguments kiln_libclang_api->Cursor_getNumArguments
#define clang_Cursor_getStorageClass kiln_libclang_api->Cursor_getStorageClass
#define clang_Cursor_isNull kiln_libclang_api->Cursor_isNull
#define clang_Cursor_isVariadic kiln_libclang_api->Cursor_isVariadic
#define clang_EvalResult_dispose kiln_libclang_api->EvalResult_dispose
#define clang_EvalResult_getAsDouble kiln_libclang_api->EvalResult_getAsDouble
#define clang_EvalResult_getAsLongLong kiln_libclang_api->EvalResult_getAsLongLong
#define clang_EvalResult_getKind kiln_libclang_api->EvalResult_getKind
#define clang_createIndex kiln_libclang_api->createIndex
#define clang_disposeDiagnostic kiln_libclang_api->disposeDiagnostic
#define clang_disposeIndex kiln_libclang_api->disposeIndex
#define clang_disposeString kiln_libclang_api->disposeString
#define clang_disposeTokens kiln_libclang_api->disposeTokens
#define clang_disposeTranslationUnit kiln_libclang_api->disposeTranslationUnit
#define clang_equalCursors kiln_libclang_api->equalCursors
#define clang_getArrayElementType kiln_libclang_api->getArrayElementType
#define clang_getArraySize kiln_libclang_api->getArraySize
#define clang_getCString kiln_libclang_api->getCString
#define clang_getCanonicalType kiln_libclang_api->getCanonicalType
#define clang_getCursorExtent kiln_libclang_api->getCursorExtent
#define clang_getFile kiln_libclang_api->getFile
#define clang_getLocationForOffset kiln_libclang_api->getLocationForOffset
#define clang_getRange kiln_libclang_api->getRange
#define clang_getCursorKindSpelling kiln_libclang_api->getCursorKindSpelling
#define clang_getCursorLocation kiln_libclang_api->getCursorLocation
#define clang_getCursorReferenced kiln_libclang_api->getCursorReferenced
#define clang_getCursorDefinition kiln_libclang_api->getCursorDefinition
#define clang_getCursorResultType kiln_libclang_api->getCursorResultType
#define clang_getCursorSpelling kiln_libclang_api->getCursorSpelling
#define clang_getCursorType kiln_libclang_api->getCursorType
#define clang_getDiagnostic kiln_libclang_api->getDiagnostic
#define clang_getDiagnosticLocation kiln_libclang_api->getDiagnosticLocation
#define clang_getDiagnosticSeverity kiln_libclang_api->getDiagnosticSeverity
#define clang_getDiagnosticSpelling kiln_libclang_api->getDiagnosticSpelling
#define clang_getElementType kiln_libclang_api->getElementType
#define clang_getEnumConstantDeclValue kiln_libclang_api->getEnumConstantDeclValue
#define clang_getFileName kiln_libclang_api->getFileName
#define clang_getNullCursor kiln_libclang_api->getNullCursor
#define clang_getNumDiagnostics kiln_libclang_api->getNumDiagnostics
#define clang_getNumElements kiln_libclang_api->getNumElements
#define clang_getPointeeType kiln_libclang_api->getPointeeType
#define clang_getRangeEnd kiln_libclang_api->getRangeEnd
#define clang_getRangeStart kiln_libclang_api->getRangeStart
#define clang_getExpansionLocation kiln_libclang_api->getExpansionLocation
#define clang_getSpellingLocation kiln_libclang_api->getSpellingLocation
#define clang_getTokenExtent kiln_libclang_api->getTokenExtent
#define clang_getTokenKind kiln_libclang_api->getTokenKind
#define clang_getTokenSpelling kiln_libclang_api->getTokenSpelling
#define clang_getTranslationUnitCursor kiln_libclang_api->getTranslationUnitCursor
#define clang_getTypeSpelling kiln_libclang_api->getTypeSpelling
#define clang_isAttribute kiln_libclang_api->isAttribute
#define clang_isConstQualifiedType kiln_libclang_api->isConstQualifiedType
#define clang_isCursorDefinition kiln_libclang_api->isCursorDefinition
#define clang_isExpression kiln_libclang_api->isExpression
#define clang_parseTranslationUnit2 kiln_libclang_api->parseTranslationUnit2
#define clang_tokenize kiln_libclang_api->tokenize
#define clang_visitChildren kiln_libclang_api->visitChildren

#endif
