"""Paging limits shared by every list.

A page number becomes an SQL OFFSET of (page - 1) × page size. Unbounded, a page such as
10^30 overflows the database's 64-bit integer and the request fails with a server error; a
billion pages is more than any register will have at the smallest page size.
"""

from typing import Annotated

from pydantic import Field

#: The highest page number a list accepts (the API refuses more with 422 naming `page`; the pages clamp).
MAX_PAGE = 1_000_000_000

#: The `page` of every API list's query: `page: Page = 1`.
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
